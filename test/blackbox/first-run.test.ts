/**
 * The first run as a newcomer meets it: `locksmith serve` on a terminal and with stdout sent to a
 * file, a first start that fails, the aws CLI configured only by what Locksmith printed or wrote,
 * the README's assume-role steps, and requests for services Locksmith does not serve.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { CLI, childPids, rootCredentials, spawnServer } from '../reliability/lib/server-process.js';
import { ACCOUNT, Harness, send, signRequest } from './harness.js';

const run = promisify(execFile);

/** The aws CLI with only the given environment (plus what finds the executable). */
async function aws(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const base: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  if (process.env.PYENV_ROOT) base.PYENV_ROOT = process.env.PYENV_ROOT;
  try {
    const { stdout, stderr } = await run('aws', ['--output', 'json', ...args], { env: { ...base, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

const profileEnv = (dataDir: string) => ({ AWS_CONFIG_FILE: join(dataDir, 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(dataDir, 'aws-credentials'), AWS_PROFILE: 'locksmith' });

/** `locksmith serve` on a pseudo-terminal (util-linux `script`), as a person starts it. */
async function serveOnTerminal(dataDir: string): Promise<{ output: string; endpoint: string; stop(): Promise<void> }> {
  const command = `'${process.execPath}' --import tsx '${CLI}' serve --port 0 --data-dir '${dataDir}'`;
  const proc = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOCKSMITH_SEED: undefined, LOCKSMITH_ROOT_KEY_FILE: undefined } });
  let output = '';
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const endpoint = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (m) resolve(m[1]!);
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    void exited.then(() => reject(new Error(`exited before listening: ${output}`)));
  });
  return {
    output: output.replace(/\r\n/g, '\n'),
    endpoint,
    async stop() {
      for (const pid of childPids(proc.pid!)) process.kill(pid, 'SIGTERM'); // the server; script ends with it
      await exited;
    },
  };
}

/** The `export NAME=value` lines of a start-up message. */
const exportsIn = (text: string) => Object.fromEntries([...text.matchAll(/^export (AWS_\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));

describe('first run: the root access key and the profile files', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'locksmith-first-run-'));
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('on a terminal: the block holds the key, AWS_REGION and AWS_DEFAULT_REGION, and the aws CLI works with exactly that block', async () => {
    const dir = dataDir();
    const first = await serveOnTerminal(dir);
    try {
      const saved = rootCredentials(dir);
      assert.deepEqual(exportsIn(first.output), {
        AWS_ACCESS_KEY_ID: saved.accessKeyId,
        AWS_SECRET_ACCESS_KEY: saved.secretAccessKey,
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: first.endpoint,
      });
      // The aws CLI v1 and boto3 read AWS_DEFAULT_REGION only; v2 and the SDKs AWS_REGION.
      const who = await aws(exportsIn(first.output), 'sts', 'get-caller-identity');
      assert.equal(who.code, 0, who.stderr);
      assert.equal(JSON.parse(who.stdout).Arn, `arn:aws:iam::${ACCOUNT}:root`);
    } finally {
      await first.stop();
    }
    const second = await serveOnTerminal(dir);
    await second.stop();
    assert.doesNotMatch(second.output, /AWS_SECRET_ACCESS_KEY/, 'the secret is shown once');
    assert.match(second.output, new RegExp(`AWS CLI profile: AWS_CONFIG_FILE=${dir}/aws-config AWS_SHARED_CREDENTIALS_FILE=${dir}/aws-credentials AWS_PROFILE=locksmith`));
  });

  it('with stdout sent to a file: the secret is in no line of it, not in the JSON request log; the lines name the credentials file', async () => {
    const dir = dataDir();
    const server = await spawnServer(dir);
    try {
      const who = await aws({ ...profileEnv(dir), AWS_ENDPOINT_URL: server.endpoint }, 'sts', 'get-caller-identity');
      assert.equal(who.code, 0, who.stderr);
      const deadline = Date.now() + 10_000;
      while (!server.output().includes('"operation":"GetCallerIdentity"')) {
        assert.ok(Date.now() < deadline, `no request log line: ${server.output()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await server.stop();
    }
    const { secretAccessKey } = rootCredentials(dir);
    assert.ok(!server.output().includes(secretAccessKey), 'the root secret never goes to stdout unless it is a terminal');
    assert.match(server.output(), new RegExp(`^Root access key of account ${ACCOUNT} written to ${dir}/aws-credentials \\(not printed: the output is not a terminal\\)\\.$`, 'm'));
    assert.match(server.output(), /^\{.*"operation":"GetCallerIdentity","outcome":"success".*\}$/m);
  });

  it('a first start that fails (port in use) leaves no credentials file; the next start shows the key that works', async () => {
    const dir = dataDir();
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const busy = (holder.address() as AddressInfo).port;
    try {
      await assert.rejects(spawnServer(dir, { serveArgs: ['--port', String(busy)] }), /EADDRINUSE/);
    } finally {
      holder.close();
    }
    assert.ok(existsSync(join(dir, 'locksmith.db')), 'the account was created');
    assert.ok(!existsSync(join(dir, 'aws-credentials')), 'but the credentials were never handed out');
    const next = await serveOnTerminal(dir);
    try {
      const block = exportsIn(next.output);
      assert.equal(block.AWS_SECRET_ACCESS_KEY, rootCredentials(dir).secretAccessKey);
      const who = await aws(block, 'sts', 'get-caller-identity');
      assert.equal(who.code, 0, who.stderr);
    } finally {
      await next.stop();
    }
  });
});

describe('the aws CLI with the generated profile, and the README assume-role steps', () => {
  let h: Harness;
  before(async () => (h = await Harness.start()));
  after(() => h.stop());

  it('the profile alone (endpoint_url in aws-config) reaches Locksmith with CLIs from 1.29 / 2.13 on', async () => {
    const version = (await aws({}, '--version')).stdout + (await aws({}, '--version')).stderr;
    const [, major, minor] = /aws-cli\/(\d+)\.(\d+)/.exec(version)!.map(Number) as [number, number, number];
    const honours = major === 1 ? minor >= 29 : minor >= 13;
    // An older CLI goes to AWS instead: short timeouts, no retries.
    const listed = await aws({ ...profileEnv(h.dataDir), AWS_MAX_ATTEMPTS: '1' }, '--cli-connect-timeout', '3', '--cli-read-timeout', '3', 'kms', 'list-keys');
    if (honours) {
      assert.equal(listed.code, 0, `${version}: ${listed.stderr}`);
      assert.deepEqual(JSON.parse(listed.stdout).Keys, []);
    } else {
      assert.notEqual(listed.code, 0, `${version} is not expected to read endpoint_url`);
    }
  });

  it('the account root may not assume a role; an IAM user allowed sts:AssumeRole may (README steps)', async () => {
    const root = { ...profileEnv(h.dataDir), AWS_ENDPOINT_URL: h.endpoint };
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] });
    const allow = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] });
    const ok = async (env: Record<string, string>, ...args: string[]) => {
      const r = await aws(env, ...args);
      assert.equal(r.code, 0, `aws ${args.join(' ')}: ${r.stderr}`);
      return r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
    };
    await ok(root, 'iam', 'create-role', '--role-name', 'app', '--assume-role-policy-document', trust);
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/app`;
    const refused = await aws(root, 'sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'demo');
    assert.match(refused.stderr, /\(AccessDenied\) when calling the AssumeRole operation: Roles may not be assumed by root accounts\./);

    await ok(root, 'iam', 'create-user', '--user-name', 'dev');
    await ok(root, 'iam', 'put-user-policy', '--user-name', 'dev', '--policy-name', 'assume-roles', '--policy-document', allow);
    const key = (await ok(root, 'iam', 'create-access-key', '--user-name', 'dev')).AccessKey;
    const dev = { ...root, AWS_ACCESS_KEY_ID: key.AccessKeyId, AWS_SECRET_ACCESS_KEY: key.SecretAccessKey };
    const assumed = await ok(dev, 'sts', 'assume-role', '--role-arn', roleArn, '--role-session-name', 'demo');
    assert.equal(assumed.AssumedRoleUser.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/app/demo`);
    const session = { ...root, AWS_ACCESS_KEY_ID: assumed.Credentials.AccessKeyId, AWS_SECRET_ACCESS_KEY: assumed.Credentials.SecretAccessKey, AWS_SESSION_TOKEN: assumed.Credentials.SessionToken };
    assert.equal((await ok(session, 'sts', 'get-caller-identity')).Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/app/demo`);
  });
});

describe('services Locksmith does not serve', () => {
  let h: Harness;
  const log: string[] = [];
  before(async () => (h = await Harness.start({ requestLog: (l) => log.push(l) })));
  after(() => h.stop());
  const SERVES = /Locksmith serves AWS KMS, IAM, STS, CloudTrail \(lookup-events\) and S3; it does not serve the '(\w+)' service\./;

  it('the aws CLI shows each answer in its service protocol, naming what Locksmith serves', async () => {
    const env = profileEnv(h.dataDir);
    const cases: [string[], RegExp][] = [
      [['route53', 'list-hosted-zones'], /\(NotImplemented\) when calling the ListHostedZones operation: Locksmith serves .*'route53' service\./],
      // botocore ≥ 1.31.64 speaks awsJson1.0 to SQS, older ones awsQuery: both answer in kind.
      [['sqs', 'list-queues'], /\((UnknownOperationException|InvalidAction)\) when calling the ListQueues operation: Locksmith serves .*'sqs' service\./],
      [['sns', 'list-topics'], /\(InvalidAction\) when calling the ListTopics operation: Locksmith serves .*'sns' service\./],
      [['dynamodb', 'list-tables'], /\(UnknownOperationException\) when calling the ListTables operation: Locksmith serves .*'dynamodb' service\./],
      [['lambda', 'list-functions'], /\(UnknownOperationException\) when calling the ListFunctions operation: Locksmith serves .*'lambda' service\./],
    ];
    for (const [args, expected] of cases) {
      // --endpoint-url: the CLI v1's `aws sqs` customization replaces a configured endpoint with queue.amazonaws.com.
      const r = await aws(env, '--endpoint-url', h.endpoint, ...args);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, expected, `aws ${args.join(' ')}`);
    }
  });

  it('a REST-XML service (Route 53) gets a REST-XML <Error>, awsQuery an ErrorResponse, awsJson a __type; the request log counts the error', async () => {
    const signed = (service: string, headers: Record<string, string>, body = '', method = 'POST') =>
      signRequest(h.endpoint, { method, headers, body, credentials: h.credentials, region: 'us-east-1', service, signingDate: h.clock.now() }).then((r) => send(h.endpoint, r));
    const r53 = await signed('route53', {}, '', 'GET');
    assert.equal(r53.status, 501);
    assert.match(r53.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>NotImplemented<\/Code><Message>Locksmith serves .*&apos;route53&apos; service\.<\/Message><RequestId>[0-9a-f-]{36}<\/RequestId><\/Error>$/);
    const sns = await signed('sns', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, 'Action=ListTopics&Version=2010-03-31');
    assert.equal(sns.status, 400);
    assert.match(sns.text, /<ErrorResponse xmlns="[^"]+"><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code><Message>Locksmith serves .*&apos;sns&apos; service\.<\/Message><\/Error><RequestId>/);
    const sqs = await signed('sqs', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' }, '{}');
    assert.equal(sqs.status, 400);
    assert.equal(sqs.json.__type, 'UnknownOperationException');
    assert.equal(SERVES.exec(sqs.json.message)?.[1], 'sqs');
    assert.equal(sqs.headers['content-type'], 'application/x-amz-json-1.0');
    // An awsJson 1.1 client (a KMS request whose scope names another service) is answered in 1.1.
    const json11 = await signed('secretsmanager', { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.ListSecrets' }, '{}');
    assert.equal(json11.headers['content-type'], 'application/x-amz-json-1.1');
    assert.equal(json11.json.__type, 'UnknownOperationException');
    // Authentication still comes first: a bad signature is refused, in the service's XML.
    const forged = await signRequest(h.endpoint, { method: 'GET', headers: {}, body: '', credentials: { ...h.credentials, secretAccessKey: 'wrong' }, region: 'us-east-1', service: 'route53', signingDate: h.clock.now() });
    const refused = await send(h.endpoint, forged);
    assert.equal(refused.status, 400);
    assert.match(refused.text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>InvalidSignatureException<\/Code><Message>The request signature we calculated does not match/);
    const outcomes = log.map((l) => JSON.parse(l) as { outcome: string }).map((l) => l.outcome);
    assert.ok(outcomes.includes('NotImplemented') && outcomes.includes('InvalidAction'), outcomes.join());
  });
});
