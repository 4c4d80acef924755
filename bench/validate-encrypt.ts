/**
 * Microbenchmark: CPU time to read (type-check, deserialize, validate) one Encrypt request body
 * against the model. CPU time, not wall time, so a busy machine shifts it little.
 * `node --import tsx bench/validate-encrypt.ts` (N=… calls per run, 7 runs, median printed).
 */
import { readInput } from '../src/model/shape-input.js';

const body = {
  KeyId: 'arn:aws:kms:us-east-1:000000000000:key/6d1f2c8e-0b7a-4f53-9e7c-2a4b8c1d3e5f',
  Plaintext: Buffer.alloc(32, 7).toString('base64'),
  EncryptionContext: { app: 'bench', tenant: 'a' },
  EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
};
const N = Number(process.env.N ?? 200_000);
let sink = 0;
const run = (): number => {
  const start = process.cpuUsage();
  for (let i = 0; i < N; i++) sink += Object.keys(readInput('Encrypt', body)).length;
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / N;
};
for (let r = 0; r < 3; r++) run(); // warm-up
const runs = Array.from({ length: 7 }, run).sort((a, b) => a - b);
console.log(`readInput('Encrypt'): median ${runs[3]!.toFixed(0)} ns of CPU per call (runs ${runs.map((n) => n.toFixed(0)).join(', ')}; sink ${sink})`);
