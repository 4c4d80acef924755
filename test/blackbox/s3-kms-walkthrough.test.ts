/**
 * README "S3 with KMS": the walk-through block runs as written — with bash and the machine's aws
 * CLI, from a directory whose `.locksmith/` is a fresh server's data directory — and every story
 * ends as the README says (each `expect` checks an AWS error code, the last line the KMS call count).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLocksmith, type RunningLocksmith } from '../../src/server/app.js';

const README = join(import.meta.dirname, '../../README.md');

function walkthrough(): string {
  const text = readFileSync(README, 'utf8');
  const m = /<!-- s3-kms-walkthrough:begin -->\n```sh\n([\s\S]*?)```\n<!-- s3-kms-walkthrough:end -->/.exec(text);
  if (!m) throw new Error('README has no s3-kms-walkthrough block');
  return m[1]!;
}

describe('README: S3 with KMS walk-through', () => {
  let dir: string;
  let server: RunningLocksmith;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'locksmith-walkthrough-'));
    mkdirSync(join(dir, '.locksmith'));
    server = await startLocksmith({ host: '127.0.0.1', port: 0, dataDir: join(dir, '.locksmith'), defaultAccount: '000000000000', defaultRegion: 'us-east-1', log: () => {} });
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs as written with bash and the aws CLI', async () => {
    writeFileSync(join(dir, 'walkthrough.sh'), walkthrough());
    const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...(process.env.PYENV_ROOT ? { PYENV_ROOT: process.env.PYENV_ROOT } : {}) };
    const r = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile('bash', ['-euo', 'pipefail', 'walkthrough.sh'], { cwd: dir, env, encoding: 'utf8', maxBuffer: 1 << 24 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code ?? 1) || 1 : 0, out: stdout + stderr })));
    assert.equal(r.code, 0, r.out);
    // The four refusals, in order, then the data and the count.
    assert.deepEqual([...r.out.matchAll(/^→ (\S+)$/gm)].map((m) => m[1]), ['AccessDenied', 'AccessDenied', 'AccessDenied', 'KMS.DisabledException']);
    assert.match(r.out, /^quarterly report$/m);
    assert.match(r.out, /^GenerateDataKey calls by both: 2$/m);
  });
});
