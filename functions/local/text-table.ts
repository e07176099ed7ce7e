export interface Column<Row> {
  readonly header: string;
  readonly align?: 'left' | 'right';
  readonly cell: (row: Row) => string;
  /** A label over a run of neighbouring columns with the same group (a line above the headers). */
  readonly group?: string;
  /** Optional ANSI styling applied after padding, so widths stay right. */
  readonly style?: (text: string, row: Row) => string;
}

/** A plain monospace table: group labels if any, header, rule, rows; widths from the longest cell. */
export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  const cells = rows.map((row) => columns.map((c) => c.cell(row)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i].length)));
  const pad = (text: string, i: number) =>
    columns[i].align === 'right' ? text.padStart(widths[i]) : text.padEnd(widths[i]);
  const lines = [
    ...(columns.some((c) => c.group !== undefined) ? [groupLine(columns, widths)] : []),
    columns
      .map((c, i) => pad(c.header, i))
      .join('  ')
      .trimEnd(),
    widths.map((w) => '─'.repeat(w)).join('  '),
  ];
  rows.forEach((row, r) => {
    lines.push(
      columns
        .map((c, i) => {
          const text = pad(cells[r][i], i);
          return c.style ? c.style(text, row) : text;
        })
        .join('  ')
        .trimEnd(),
    );
  });
  return lines.join('\n');
}

/** Each run of columns sharing a group gets its label, left-aligned over the run and ruled to its width. */
function groupLine<Row>(columns: readonly Column<Row>[], widths: readonly number[]): string {
  const spans: string[] = [];
  for (let i = 0; i < columns.length;) {
    const { group } = columns[i];
    let width = widths[i];
    let j = i + 1;
    for (; j < columns.length && group !== undefined && columns[j].group === group; j++) width += 2 + widths[j];
    spans.push(group === undefined ? ' '.repeat(width) : `${group} `.padEnd(width, '─'));
    i = j;
  }
  return spans.join('  ').trimEnd();
}
