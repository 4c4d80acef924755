/**
 * `locksmith encrypt` / `decrypt` beyond one file: a Multi-Region key used across Regions,
 * `--recursive` trees with data key caching (KMS calls counted in the summary), the progress bar
 * only on a terminal, and how the KMS endpoint and credentials are found (--profile,
 * --endpoint-url over AWS_ENDPOINT_URL_KMS).
 */
import { CreateKeyCommand, DisableKeyCommand, ReplicateKeyCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { awsEnv, runLocksmith, type CliResult } from '../reliability/lib/envelope-cli.js';
import { REPLICA_CREATING_MS } from '../../src/services/kms/transient-key-states.js';
import { Harness, REGION } from './harness.js';

const EU = 'eu-west-1';
const FILES = 40;

function listTree(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath ?? (e as { path: string }).path, e.name)))
    .sort();
}

describe('locksmith encrypt / decrypt: Regions, trees, terminal, configuration', () => {
  let h: Harness;
  let dir: string;
  let keyArn: string;
  before(async () => {
    h = await Harness.start();
    dir = mkdtempSync(join(tmpdir(), 'locksmith-envelope-tree-'));
    keyArn = (await h.kms.send(new CreateKeyCommand({ Description: 'tree' }))).KeyMetadata!.Arn!;
  });
  after(async () => {
    await h.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const cli = (args: string[], region = REGION) => runLocksmith(args, awsEnv({ ...h.credentials, region, endpoint: h.endpoint }));
  const ok = (r: CliResult) => assert.equal(r.code, 0, r.stderr);
  const path = (...p: string[]) => join(dir, ...p);

  it('Multi-Region key: encrypted in us-east-1, decrypted in the replica Region with the primary disabled', async () => {
    const primary = (await h.kms.send(new CreateKeyCommand({ MultiRegion: true, Description: 'mrk' }))).KeyMetadata!;
    const replicaArn = (await h.kms.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: EU }))).ReplicaKeyMetadata!.Arn!;
    h.advance(REPLICA_CREATING_MS); // the replica leaves Creating
    const plain = randomBytes(100_000);
    writeFileSync(path('mrk.bin'), plain);
    ok(await cli(['encrypt', '--key', primary.Arn!, '--region', REGION, '--in', path('mrk.bin'), '--out', path('mrk.enc')]));
    await h.kms.send(new DisableKeyCommand({ KeyId: primary.KeyId }));
    const viaPrimary = await cli(['decrypt', '--key', primary.Arn!, '--in', path('mrk.enc'), '--out', '-']);
    assert.equal(viaPrimary.code, 3, 'the primary is disabled');
    const viaReplica = await cli(['decrypt', '--key', replicaArn, '--in', path('mrk.enc'), '--out', '-'], EU);
    ok(viaReplica);
    assert.deepEqual(viaReplica.stdout, plain);
    const discovered = await cli(['decrypt', '--discovery', '--region', EU, '--in', path('mrk.enc'), '--out', '-']);
    ok(discovered);
    assert.deepEqual(discovered.stdout, plain);
  });

  it('--recursive encrypts a tree into *.encrypted and back, caching the data key: KMS calls ≪ files', async () => {
    const files = new Map<string, Buffer>();
    for (let i = 0; i < FILES; i++) {
      const rel = join(`d${i % 3}`, i % 2 ? 'sub' : '', `f${i}.txt`);
      mkdirSync(path('src', rel, '..'), { recursive: true });
      files.set(rel, randomBytes(i * 97));
      writeFileSync(path('src', rel), files.get(rel)!);
    }
    const enc = await cli(['encrypt', '--recursive', '--key', keyArn, '--context', 'tree=yes', '--in', path('src'), '--out', path('enc')]);
    ok(enc);
    assert.match(enc.stderr, new RegExp(`^locksmith encrypt: ${FILES} files encrypted \\(.*\\) in [\\d.]+ s, 0 failed, 0 skipped; KMS calls: 1 \\(GenerateDataKey 1\\); data key cache: max age 60 s, max 1000 messages\\n$`));
    assert.deepEqual(listTree(path('enc')), [...files.keys()].map((f) => f + '.encrypted').sort());

    // One corrupted file fails alone; the others decrypt; the cached data key serves them all.
    const victim = path('enc', [...files.keys()][7]! + '.encrypted');
    const bytes = readFileSync(victim);
    bytes[bytes.length - 120]! ^= 0x80;
    writeFileSync(victim, bytes);
    const dec = await cli(['decrypt', '--recursive', '--key', keyArn, '--context', 'tree=yes', '--in', path('enc'), '--out', path('back')]);
    assert.equal(dec.code, 4, dec.stderr);
    const lines = dec.stderr.trim().split('\n');
    assert.equal(lines.length, 2, dec.stderr);
    assert.match(lines[0]!, new RegExp(`^locksmith decrypt: ${victim.replace(/[.]/g, '\\.')}: the input is corrupted`));
    assert.match(lines[1]!, new RegExp(`^locksmith decrypt: ${FILES - 1} files decrypted .* 1 failed, 0 skipped; KMS calls: 1 \\(Decrypt 1\\)`));
    const back = [...files.keys()].filter((_, i) => i !== 7);
    assert.deepEqual(listTree(path('back')), back.sort());
    for (const rel of back) assert.deepEqual(readFileSync(path('back', rel)), files.get(rel), rel);

    const uncached = await cli(['encrypt', '--recursive', '--cache-max-age', '0', '--key', keyArn, '--in', path('src'), '--out', path('enc0')]);
    ok(uncached);
    assert.match(uncached.stderr, new RegExp(`KMS calls: ${FILES} \\(GenerateDataKey ${FILES}\\); data key cache: off`));
    const limited = await cli(['encrypt', '--recursive', '--cache-max-messages', '10', '--key', keyArn, '--quiet', '--in', path('src'), '--out', path('enc10')]);
    ok(limited);
    assert.equal(limited.stderr, '', '--quiet: no summary');
    const recount = await cli(['decrypt', '--recursive', '--cache-max-messages', '10', '--key', keyArn, '--in', path('enc10'), '--out', path('back10')]);
    ok(recount);
    assert.match(recount.stderr, /KMS calls: 4 \(Decrypt 4\)/, 'one data key per 10 files, each decrypted once');

    const disabled = (await h.kms.send(new CreateKeyCommand({ Description: 'tree disabled' }))).KeyMetadata!.Arn!;
    await h.kms.send(new DisableKeyCommand({ KeyId: disabled }));
    const refused = await cli(['encrypt', '--recursive', '--key', disabled, '--in', path('src'), '--out', path('encx')]);
    assert.equal(refused.code, 3, refused.stderr);
    const [first, summary, ...rest] = refused.stderr.trim().split('\n');
    assert.deepEqual(rest, []);
    assert.match(first!, /: KMS key is disabled: key arn:.* \(DisabledException/);
    assert.match(summary!, new RegExp(`0 files encrypted .* 1 failed, 0 skipped, ${FILES - 1} not attempted \\(stopped at the KMS failure\\); KMS calls: 1 \\(GenerateDataKey 1\\)`));
    assert.deepEqual(existsSync(path('encx')) ? listTree(path('encx')) : [], [], 'no output file, no temporary file');
  });

  it('a progress bar (bytes, rate, ETA) on a terminal only, and not with --quiet', async () => {
    writeFileSync(path('tty.bin'), randomBytes(2_000_000));
    // script(1) runs the CLI on a pseudo-terminal.
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const onTty = (argv: string[]) => ['/usr/bin/script', '-qefc', argv.map(quote).join(' '), '/dev/null'];
    const env = awsEnv({ ...h.credentials, region: REGION, endpoint: h.endpoint });
    const withBar = await runLocksmith(['encrypt', '--key', keyArn, '--in', path('tty.bin'), '--out', path('tty.enc')], env, { wrap: onTty });
    assert.equal(withBar.code, 0, withBar.stdout.toString());
    assert.match(withBar.stdout.toString(), /\r\[[#-]+\] +\d+% [\d.]+ [KMG]?i?B\/[\d.]+ [KMG]?i?B [\d.]+ [KMG]?i?B\/s ETA \d/);
    const quiet = await runLocksmith(['encrypt', '--key', keyArn, '--quiet', '--in', path('tty.bin'), '--out', path('tty.enc')], env, { wrap: onTty });
    assert.equal(quiet.code, 0, quiet.stdout.toString());
    assert.equal(quiet.stdout.toString(), '');
  });

  it('--profile reads credentials, Region and endpoint_url from the shared files (over AWS_ACCESS_KEY_ID); --endpoint-url wins over AWS_ENDPOINT_URL_KMS', async () => {
    writeFileSync(path('config'), `[profile envelope]\nregion = ${REGION}\nendpoint_url = ${h.endpoint}\n`);
    writeFileSync(path('credentials'), `[envelope]\naws_access_key_id = ${h.credentials.accessKeyId}\naws_secret_access_key = ${h.credentials.secretAccessKey}\n`);
    writeFileSync(path('p.bin'), 'profile');
    const files = { AWS_CONFIG_FILE: path('config'), AWS_SHARED_CREDENTIALS_FILE: path('credentials') };
    // --profile wins over credentials in the environment, as with the aws CLI.
    const bogus = { accessKeyId: 'AKIABOGUSBOGUSBOGUS1', secretAccessKey: 'bogus' };
    const viaProfile = await runLocksmith(['encrypt', '--profile', 'envelope', '--key', keyArn, '--in', path('p.bin'), '--out', path('p.enc')], awsEnv({ ...bogus, extra: files }));
    ok(viaProfile);
    assert.equal(viaProfile.stderr, '');
    const dead = 'http://127.0.0.1:9';
    const env = awsEnv({ ...h.credentials, region: REGION, endpoint: dead });
    const explicit = await runLocksmith(['decrypt', '--endpoint-url', h.endpoint, '--key', keyArn, '--in', path('p.enc'), '--out', '-'], env);
    ok(explicit);
    assert.equal(explicit.stdout.toString(), 'profile');
    const unreachable = await runLocksmith(['decrypt', '--key', keyArn, '--in', path('p.enc'), '--out', path('p.out')], env);
    assert.equal(unreachable.code, 3, unreachable.stderr);
    assert.match(unreachable.stderr, /^locksmith decrypt: cannot reach KMS \(ECONNREFUSED.*check --endpoint-url/);
    assert.equal(existsSync(path('p.out')), false);
  });
});
