// The warm-soak chart docs/benchmark.md shows: VmHWM, anonymous memory, heap used and heap total
// over the invocations of a soak, ours (solid) beside the SDK floor's (dashed), as an SVG.
import type { SoakSample } from './results.js';

const SERIES = [
  { key: 'vmHwmMb', label: 'VmHWM', colour: '#1f77b4' },
  { key: 'rssAnonPeakMb', label: 'anonymous (peak)', colour: '#d62728' },
  { key: 'heapTotalMb', label: 'heap total', colour: '#2ca02c' },
  { key: 'heapUsedMb', label: 'heap used', colour: '#9467bd' },
] as const;

export function soakChartSvg(options: {
  title: string;
  ours: { label: string; samples: SoakSample[] };
  floor: { label: string; samples: SoakSample[] };
  runtime: string;
}): string {
  const width = 760;
  const height = 420;
  const left = 56;
  const right = 190;
  const top = 48;
  const bottom = 48;
  const all = [...options.ours.samples, ...options.floor.samples];
  const maxX = Math.max(...all.map((s) => s.invocation));
  const maxY = Math.ceil(Math.max(...all.flatMap((s) => SERIES.map((x) => s[x.key]))) / 20) * 20;
  const x = (n: number) => left + ((width - left - right) * n) / maxX;
  const y = (mb: number) => top + (height - top - bottom) * (1 - mb / maxY);
  const path = (samples: SoakSample[], key: (typeof SERIES)[number]['key']) =>
    samples.map((s, i) => `${i === 0 ? 'M' : 'L'}${x(s.invocation).toFixed(1)},${y(s[key]).toFixed(1)}`).join(' ');
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">${options.title}</text>`,
    `<text x="${left}" y="36" fill="#555">${options.runtime}</text>`,
  ];
  for (let mb = 0; mb <= maxY; mb += 20) {
    out.push(`<line x1="${left}" x2="${width - right}" y1="${y(mb)}" y2="${y(mb)}" stroke="#eee"/>`);
    out.push(`<text x="${left - 6}" y="${y(mb) + 4}" text-anchor="end" fill="#555">${mb}</text>`);
  }
  const step = maxX >= 1000 ? 500 : maxX >= 200 ? 100 : 20;
  for (let n = 0; n <= maxX; n += step)
    out.push(`<text x="${x(n)}" y="${height - bottom + 16}" text-anchor="middle" fill="#555">${n}</text>`);
  out.push(
    `<text x="${(left + width - right) / 2}" y="${height - 12}" text-anchor="middle" fill="#555">invocations</text>`,
    `<text x="14" y="${(top + height - bottom) / 2}" transform="rotate(-90 14 ${(top + height - bottom) / 2})" text-anchor="middle" fill="#555">MB</text>`,
  );
  SERIES.forEach((s, i) => {
    out.push(`<path d="${path(options.ours.samples, s.key)}" fill="none" stroke="${s.colour}" stroke-width="2"/>`);
    out.push(
      `<path d="${path(options.floor.samples, s.key)}" fill="none" stroke="${s.colour}" stroke-width="1.5" stroke-dasharray="5 4"/>`,
    );
    const ly = top + 10 + i * 20;
    out.push(
      `<line x1="${width - right + 16}" x2="${width - right + 40}" y1="${ly}" y2="${ly}" stroke="${s.colour}" stroke-width="2"/>`,
    );
    out.push(`<text x="${width - right + 46}" y="${ly + 4}">${s.label}</text>`);
  });
  const ly = top + 10 + SERIES.length * 20 + 10;
  out.push(
    `<line x1="${width - right + 16}" x2="${width - right + 40}" y1="${ly}" y2="${ly}" stroke="#333" stroke-width="2"/>`,
    `<text x="${width - right + 46}" y="${ly + 4}">${options.ours.label}</text>`,
    `<line x1="${width - right + 16}" x2="${width - right + 40}" y1="${ly + 20}" y2="${ly + 20}" stroke="#333" stroke-width="1.5" stroke-dasharray="5 4"/>`,
    `<text x="${width - right + 46}" y="${ly + 24}">${options.floor.label}</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
