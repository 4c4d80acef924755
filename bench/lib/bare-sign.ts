import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';

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
