import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type ApiRequest, type ApiResponse, HttpError } from './http.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** URL path → file. A fixed set: nothing else on disk is reachable. */
const FILES: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js',
  '/style.css': 'style.css',
};
export const CHARTS_PATH = '/vendor/lightweight-charts.js';

interface Asset {
  readonly type: string;
  readonly raw: Buffer;
  readonly gzip: Buffer;
}

/**
 * The dashboard's files, read and gzipped once per container on first use (a fixed handful of
 * files, ~70 KB compressed: this does not grow).
 */
export class DashboardAssets {
  private assets: Map<string, Asset> | undefined;

  constructor(
    private readonly dir: string,
    /** Resolved when the files are first read, so a missing library cannot break the API routes. */
    private readonly chartsFile: () => string,
  ) {}

  serve(request: ApiRequest): ApiResponse {
    const asset = this.load().get(request.path);
    if (!asset) throw new HttpError(404, 'not_found', `no page at ${request.path.slice(0, 100)}`);
    const gzip = /\bgzip\b/.test(request.headers['accept-encoding'] ?? '');
    const headers = {
      'content-type': asset.type,
      // The page is small and changes with deploys; the chart library only with upgrades.
      'cache-control': request.path === CHARTS_PATH ? 'public, max-age=86400' : 'public, max-age=300',
      'x-content-type-options': 'nosniff',
      // The chart library sets inline styles; scripts stay same-origin only.
      ...(request.path.endsWith('.html') || request.path === '/'
        ? {
            'content-security-policy':
              "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
          }
        : {}),
      ...(gzip && { 'content-encoding': 'gzip' }),
      vary: 'accept-encoding',
    };
    return {
      statusCode: 200,
      headers,
      body: (gzip ? asset.gzip : asset.raw).toString('base64'),
      isBase64Encoded: true,
    };
  }

  /** Bytes on the wire for the whole page, compressed (reported in docs/benchmark.md). */
  transferSize(): { files: number; rawBytes: number; gzipBytes: number } {
    const unique = new Set(this.load().values());
    return {
      files: unique.size,
      rawBytes: [...unique].reduce((n, a) => n + a.raw.length, 0),
      gzipBytes: [...unique].reduce((n, a) => n + a.gzip.length, 0),
    };
  }

  private load(): Map<string, Asset> {
    if (this.assets) return this.assets;
    const read = (file: string): Asset => {
      const raw = readFileSync(file);
      return {
        type: TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream',
        raw,
        gzip: gzipSync(raw, { level: 9 }),
      };
    };
    const byFile = new Map<string, Asset>();
    this.assets = new Map();
    for (const [path, file] of Object.entries(FILES)) {
      const asset = byFile.get(file) ?? read(join(this.dir, file));
      byFile.set(file, asset);
      this.assets.set(path, asset);
    }
    this.assets.set(CHARTS_PATH, read(this.chartsFile()));
    return this.assets;
  }
}
