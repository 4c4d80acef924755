/**
 * HTTPS listener (src/server/tls.ts): a generated CA and server certificate in the data directory,
 * the same KMS API over TLS for the SDK and the aws CLI (--ca-bundle), aws:SecureTransport true
 * over TLS and false over HTTP, operator-supplied --tls-cert/--tls-key, and the CLI's listener.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateKeyCommand, EncryptCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { startLocksmith, type RunningLocksmith } from '../../src/server/app.js';
import { loadTlsMaterial } from '../../src/server/tls.js';
import { ManualClock } from '../../src/util/clock.js';

const ACCOUNT = '000000000000';
const REGION = 'us-east-1';
const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.ts');

const start = (dataDir: string, extra: Partial<Parameters<typeof startLocksmith>[0]> = {}) =>
  startLocksmith({ host: '127.0.0.1', port: 0, tlsPort: 0, dataDir, defaultAccount: ACCOUNT, defaultRegion: REGION, clock: new ManualClock(Date.now()), log: () => {}, ...extra });

/** The aws CLI, asynchronously (the server runs in this process: a synchronous spawn would block it). */
const aws = (args: string[], env: NodeJS.ProcessEnv) =>
  new Promise<{ status: number; stdout: string; stderr: string }>((res) =>
    execFile('aws', args, { env, encoding: 'utf8' }, (err, stdout, stderr) => res({ status: err ? Number(err.code ?? 1) || 1 : 0, stdout, stderr })));

const client = (endpoint: string, server: RunningLocksmith, ca?: string) =>
  new KMSClient({ endpoint, region: REGION, credentials: server.rootCredentials, maxAttempts: 1, ...(ca ? { requestHandler: { httpsAgent: new Agent({ ca }) } } : {}) });

describe('HTTPS listener', () => {
  let dataDir: string;
  let server: RunningLocksmith;
  let ca: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'locksmith-tls-'));
    server = await start(dataDir);
    ca = readFileSync(server.tlsCaFile!, 'utf8');
  });
  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('generates a CA and a server certificate for localhost, *.localhost, *.s3.localhost, 127.0.0.1; the key is 0600', () => {
    assert.match(server.tlsEndpoint!, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.tlsCaFile, join(dataDir, 'tls', 'ca.pem'));
    assert.equal(statSync(join(dataDir, 'tls', 'server-key.pem')).mode & 0o777, 0o600);
    const chain = readFileSync(join(dataDir, 'tls', 'server.pem'), 'utf8');
    const leaf = new X509Certificate(chain.slice(0, chain.indexOf('-----END CERTIFICATE-----') + 25));
    const caCert = new X509Certificate(ca);
    assert.ok(caCert.ca);
    assert.ok(!leaf.ca);
    assert.ok(leaf.checkIssued(caCert) && leaf.verify(caCert.publicKey));
    for (const san of ['DNS:localhost', 'DNS:*.localhost', 'DNS:*.s3.localhost', 'IP Address:127.0.0.1']) assert.ok(leaf.subjectAltName!.includes(san), san);
    assert.equal(leaf.checkHost('bucket.s3.localhost'), '*.s3.localhost');
    assert.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1');
  });

  it('serves KMS over HTTPS to the SDK trusting the generated CA, and refuses a client that does not', async () => {
    const kms = client(server.tlsEndpoint!, server, ca);
    const key = await kms.send(new CreateKeyCommand({}));
    assert.ok(key.KeyMetadata?.KeyId);
    const viaLocalhost = client(server.tlsEndpoint!.replace('127.0.0.1', 'localhost'), server, ca);
    assert.ok((await viaLocalhost.send(new ListKeysCommand({}))).Keys!.some((k) => k.KeyId === key.KeyMetadata!.KeyId));
    const untrusting = client(server.tlsEndpoint!, server);
    await assert.rejects(untrusting.send(new ListKeysCommand({})), /self[- ]signed|unable to verify|certificate/i);
    for (const c of [kms, viaLocalhost, untrusting]) c.destroy();
  });

  it('aws:SecureTransport is true over HTTPS and false over HTTP (key policy Deny on false)', async () => {
    const https = client(server.tlsEndpoint!, server, ca);
    const http = client(server.endpoint, server);
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 'kms:Encrypt', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      ],
    };
    const { KeyMetadata } = await https.send(new CreateKeyCommand({ Policy: JSON.stringify(policy) }));
    const input = { KeyId: KeyMetadata!.KeyId!, Plaintext: Buffer.from('over tls') };
    assert.ok((await https.send(new EncryptCommand(input))).CiphertextBlob);
    await assert.rejects(http.send(new EncryptCommand(input)), (e: Error) => e.name === 'AccessDeniedException' && /explicit deny in a resource-based policy/.test(e.message));
    https.destroy();
    http.destroy();
  });

  it('the aws CLI calls it with --ca-bundle', async () => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: server.rootCredentials.accessKeyId, AWS_SECRET_ACCESS_KEY: server.rootCredentials.secretAccessKey, AWS_DEFAULT_REGION: REGION, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const ok = await aws(['kms', 'list-keys', '--endpoint-url', server.tlsEndpoint!, '--ca-bundle', server.tlsCaFile!, '--output', 'json'], env);
    assert.equal(ok.status, 0, ok.stderr);
    assert.ok(Array.isArray(JSON.parse(ok.stdout).Keys));
    const viaEnv = await aws(['kms', 'list-keys', '--endpoint-url', server.tlsEndpoint!.replace('127.0.0.1', 'localhost')], { ...env, AWS_CA_BUNDLE: server.tlsCaFile! });
    assert.equal(viaEnv.status, 0, viaEnv.stderr);
    const refused = await aws(['kms', 'list-keys', '--endpoint-url', server.tlsEndpoint!], env);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /SSL|certificate/i);
  });

  it('a later start loads the generated certificate instead of making another', () => {
    const before = readFileSync(join(dataDir, 'tls', 'server.pem'), 'utf8');
    const again = loadTlsMaterial(dataDir);
    assert.equal(again.generated, false);
    assert.equal(again.cert, before);
    assert.equal(readFileSync(join(dataDir, 'tls', 'server.pem'), 'utf8'), before);
  });
});

describe('--tls-cert/--tls-key and the CLI', () => {
  it('serves operator-supplied files, generating nothing', async () => {
    const source = mkdtempSync(join(tmpdir(), 'locksmith-tls-src-'));
    const first = await start(source);
    const ca = readFileSync(first.tlsCaFile!, 'utf8');
    await first.close();
    const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-tls-own-'));
    const server = await start(dataDir, { tlsCertFile: join(source, 'tls', 'server.pem'), tlsKeyFile: join(source, 'tls', 'server-key.pem') });
    try {
      assert.equal(server.tlsCaFile, undefined);
      assert.throws(() => statSync(join(dataDir, 'tls')), /ENOENT/);
      const kms = client(server.tlsEndpoint!, server, ca);
      assert.ok((await kms.send(new ListKeysCommand({}))).Keys);
      kms.destroy();
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(source, { recursive: true, force: true });
    }
  });

  it('serve --port 0 also listens for HTTPS on a free port; --tls-port off does not', async () => {
    const lines = async (args: string[]) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-tls-cli-'));
      const proc = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--data-dir', dataDir, ...args], { env: { ...process.env, LOCKSMITH_TLS_PORT: '' } });
      let out = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
      await new Promise<void>((res, rej) => {
        const t = setInterval(() => /Locksmith listening on/.test(out) && (clearInterval(t), res()), 50);
        proc.once('exit', () => (clearInterval(t), rej(new Error(`serve exited: ${out}`))));
      });
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
      return out;
    };
    assert.match(await lines([]), /HTTPS on https:\/\/127\.0\.0\.1:\d+ \(certificate .*server\.pem; clients trust .*ca\.pem\)/);
    assert.doesNotMatch(await lines(['--tls-port', 'off']), /HTTPS on/);
  });
});
