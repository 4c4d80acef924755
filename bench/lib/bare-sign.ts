import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { promisify } from 'node:util';

/**
 * The Sign ceiling: ECDSA P-256 / SHA-256 signatures per second with node:crypto in this process
 * (same 32-byte messages, DER signatures as KMS returns), one core, no HTTP, no checks.
 */
export function bareP256SignsPerSecond(seconds: number): number {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const messages = Array.from({ length: 64 }, () => randomBytes(32));
  for (let i = 0; i < 500; i++) sign('sha256', messages[i % 64]!, { key: privateKey, dsaEncoding: 'der' });
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const started = performance.now();
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) sign('sha256', messages[(n + i) % 64]!, { key: privateKey, dsaEncoding: 'der' });
    n += 100;
  }
  return n / ((performance.now() - started) / 1000);
}

/** The same in `processes` processes at once (as many as the server's workers), summed. */
export async function bareP256SignsPerSecondIn(processes: number, seconds: number): Promise<number> {
  const run = () => promisify(execFile)(process.execPath, ['--import', 'tsx', import.meta.filename, String(seconds)]);
  const outputs = await Promise.all(Array.from({ length: processes }, run));
  return outputs.reduce((sum, o) => sum + Number(o.stdout.trim()), 0);
}

if (process.argv[1] === import.meta.filename) console.log(bareP256SignsPerSecond(Number(process.argv[2])));
