// The bench's store for one measured function: dynalite in its own process (bench/store-server.mjs),
// below the bench's priority like the functions, with the results table the stack creates.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { belowBench } from './lambda-process.js';
import { createResultsTableAt, type EmbeddedStore, LOCAL_TABLE_NAME } from '../functions/local/embedded-store.js';

const SERVER = fileURLToPath(new URL('./store-server.mjs', import.meta.url));

export async function startStoreProcess(): Promise<EmbeddedStore> {
  const child = spawn(...belowBench(process.execPath, [SERVER]), { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the bench's store exited with ${code} before listening`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill();
    });
  try {
    await createResultsTableAt(endpoint, LOCAL_TABLE_NAME);
  } catch (error) {
    await close();
    throw error;
  }
  return { endpoint, tableName: LOCAL_TABLE_NAME, subscriptionKey: randomBytes(32).toString('base64url'), close };
}
