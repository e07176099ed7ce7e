export interface Column<Row> {
  readonly header: string;
  readonly align?: 'left' | 'right';
  readonly cell: (row: Row) => string;
  /** Optional ANSI styling applied after padding, so widths stay right. */
  readonly style?: (text: string, row: Row) => string;
}

/** A plain monospace table: header, rule, rows; widths from the longest cell. */
export function renderTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  const cells = rows.map((row) => columns.map((c) => c.cell(row)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i].length)));
  const pad = (text: string, i: number) =>
    columns[i].align === 'right' ? text.padStart(widths[i]) : text.padEnd(widths[i]);
  const lines = [
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
