/**
 * Microbenchmark: the cost of reading (type-checking, deserializing, validating) one Encrypt
 * request body against the model, per call. `node --import tsx bench/validate-encrypt.ts`.
 */
import { readInput } from '../src/model/shape-input.js';

const body = {
  KeyId: 'arn:aws:kms:us-east-1:000000000000:key/6d1f2c8e-0b7a-4f53-9e7c-2a4b8c1d3e5f',
  Plaintext: Buffer.alloc(32, 7).toString('base64'),
  EncryptionContext: { app: 'bench', tenant: 'a' },
  EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
};
const N = Number(process.env.N ?? 300_000);
let sink = 0;
for (let i = 0; i < 50_000; i++) sink += Object.keys(readInput('Encrypt', body)).length; // warm-up
const runs: number[] = [];
for (let r = 0; r < 5; r++) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) sink += Object.keys(readInput('Encrypt', body)).length;
  runs.push(Number(process.hrtime.bigint() - t) / N);
}
runs.sort((a, b) => a - b);
console.log(`readInput('Encrypt'): median ${runs[2]!.toFixed(0)} ns/call (runs ${runs.map((n) => n.toFixed(0)).join(', ')}; sink ${sink})`);
