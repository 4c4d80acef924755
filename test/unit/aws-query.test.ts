import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAccessKey, resolveAccessKey, rootPrincipal } from '../../src/auth/credentials.js';
import { NO_PERMISSIONS_SESSION_POLICY, resolveSessionCredentials } from '../../src/auth/session-credentials.js';
import { secureRandom } from '../../src/crypto/random.js';
import { RootKeyring } from '../../src/crypto/root-keyring.js';
import { awsQueryError, serveIam, serveSts } from '../../src/protocols/aws-query.js';
import type { QueryServiceDeps } from '../../src/services/iam/operation.js';
import { IAM_OPERATIONS } from '../../src/services/iam/operations.js';
import { bindQueryOperations } from '../../src/services/iam/query-api.js';
import { STS_OPERATIONS } from '../../src/services/sts/operations.js';
import { AwsError, ExpiredTokenException, KMSInternalException, UnrecognizedClientException } from '../../src/errors/aws-error.js';
import type { CallContext, Principal } from '../../src/domain/call-context.js';
import { QueryInput } from '../../src/services/iam/query-input.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { ManualClock } from '../../src/util/clock.js';

const ACCOUNT = '123456789012';
const form = (params: Record<string, string>) => Buffer.from(new URLSearchParams(params).toString());
const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

describe('awsQuery protocol and handlers (called directly)', () => {
  const clock = new ManualClock(Date.UTC(2024, 0, 1, 12, 0, 0, 250));
  let deps: QueryServiceDeps;
  let root: Principal;
  const ctx = (principal: Principal): CallContext => ({
    principal, account: principal.account, region: 'us-east-1', sourceIp: '127.0.0.1', secureTransport: false,
    userAgent: 'test', requestId: '00000000-0000-4000-8000-000000000000', clock, random: secureRandom,
  });
  const iam = (p: Principal, params: Record<string, string>) => serveIam(bindQueryOperations(IAM_OPERATIONS, deps), ctx(p), form({ Version: '2010-05-08', ...params }));
  const sts = (p: Principal, params: Record<string, string>) => serveSts(bindQueryOperations(STS_OPERATIONS, deps), ctx(p), form({ Version: '2011-06-15', ...params }));
  const login = async (accessKeyId: string, token?: string) => {
    const r = accessKeyId.startsWith('ASIA')
      ? await resolveSessionCredentials(deps.store, deps.keyring, accessKeyId, token, clock.now())
      : await resolveAccessKey(deps.store, deps.keyring, accessKeyId);
    assert.ok(r);
    return r.principal;
  };

  before(async () => {
    deps = { store: openSqliteStore(':memory:'), keyring: RootKeyring.fromBytes(Buffer.alloc(32, 7), secureRandom) };
    await deps.store.credentials.ensureAccount(ACCOUNT, clock.now());
    root = await login((await createAccessKey(deps.store, deps.keyring, secureRandom, clock.now(), rootPrincipal(ACCOUNT))).accessKeyId);
  });
  after(() => deps.store.close());

  it('reads awsQuery members: scalars, member lists of structures, MissingParameter for a gap', () => {
    const input = new QueryInput(new Map([['Tags.member.2.Key', 'b'], ['Tags.member.2.Value', '2'], ['Tags.member.1.Key', 'a'], ['Tags.member.1.Value', '1']]), 'iam');
    assert.deepEqual(input.structures('Tags', ['Key', 'Value']), [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }]);
    const gap = new QueryInput(new Map([['Tags.member.1.Key', 'a']]), 'iam');
    assert.throws(() => gap.structures('Tags', ['Key', 'Value']), { code: 'MissingParameter', message: 'The request must contain the parameter Tags.member.1.Value.' });
  });

  it('maps errors to IAM/STS codes, statuses and the ErrorResponse shape', () => {
    const cases: [AwsError, 'iam' | 'sts', string, number, string][] = [
      [UnrecognizedClientException('x'), 'sts', 'InvalidClientTokenId', 403, 'Sender'],
      [ExpiredTokenException('x'), 'sts', 'ExpiredToken', 403, 'Sender'],
      [new AwsError('InvalidSignatureException', 'x'), 'iam', 'SignatureDoesNotMatch', 403, 'Sender'],
      [KMSInternalException('x'), 'iam', 'ServiceFailure', 500, 'Receiver'],
      [KMSInternalException('x'), 'sts', 'InternalFailure', 500, 'Receiver'],
      [new AwsError('NoSuchEntity', 'x', 404), 'iam', 'NoSuchEntity', 404, 'Sender'],
    ];
    for (const [error, service, code, status, type] of cases) {
      const r = awsQueryError(error, 'rid', service);
      assert.equal(r.status, status);
      assert.equal(tag(r.body, 'Code'), code);
      assert.equal(tag(r.body, 'Type'), type);
      assert.match(r.body, new RegExp(`^<\\?xml[^>]*>\\n<ErrorResponse xmlns="https://${service}\\.amazonaws\\.com/doc/[0-9-]+/"><Error>.*</Error><RequestId>rid</RequestId></ErrorResponse>$`));
    }
  });

  it('answers MissingAction and InvalidAction (also for a wrong Version)', async () => {
    assert.equal(tag((await serveIam(bindQueryOperations(IAM_OPERATIONS, deps), ctx(root), form({}))).body, 'Code'), 'MissingAction');
    const wrongVersion = await serveSts(bindQueryOperations(STS_OPERATIONS, deps), ctx(root), form({ Action: 'GetCallerIdentity', Version: '2010-05-08' }));
    assert.equal(tag(wrongVersion.body, 'Message'), 'Could not find operation GetCallerIdentity for version 2010-05-08');
    assert.equal(tag((await iam(root, { Action: 'toString' })).body, 'Code'), 'InvalidAction');
  });

  it('resolves session credentials: unknown → undefined, bad token → invalid, expiry exact to the second', async () => {
    await iam(root, { Action: 'CreateUser', UserName: 'u' });
    await iam(root, { Action: 'PutUserPolicy', UserName: 'u', PolicyName: 'p', PolicyDocument: '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}' });
    const key = await iam(root, { Action: 'CreateAccessKey', UserName: 'u' });
    const user = await login(tag(key.body, 'AccessKeyId')!);
    const out = (await sts(user, { Action: 'GetSessionToken', DurationSeconds: '900' })).body;
    const id = tag(out, 'AccessKeyId')!;
    const token = tag(out, 'SessionToken')!;
    assert.equal(tag(out, 'Expiration'), '2024-01-01T12:15:00Z');
    assert.equal(await resolveSessionCredentials(deps.store, deps.keyring, 'ASIANOTASESSION00000', token, clock.now()), undefined);
    assert.equal(await resolveSessionCredentials(deps.store, deps.keyring, 'AKIAWHATEVER00000000', token, clock.now()), undefined);
    await assert.rejects(resolveSessionCredentials(deps.store, deps.keyring, id, undefined, clock.now()), { code: 'UnrecognizedClientException' });
    const session = await resolveSessionCredentials(deps.store, deps.keyring, id, token, clock.now());
    assert.equal(session?.secretAccessKey, tag(out, 'SecretAccessKey'));
    assert.deepEqual({ ...session?.principal, session: undefined }, { ...user, accessKeyId: id, session: undefined });
    const atExpiry = new Date(Date.UTC(2024, 0, 1, 12, 15, 0));
    assert.ok(await resolveSessionCredentials(deps.store, deps.keyring, id, token, new Date(atExpiry.getTime() - 1)));
    await assert.rejects(resolveSessionCredentials(deps.store, deps.keyring, id, token, atExpiry), { code: 'ExpiredTokenException' });
  });

  it('limits role chaining to one hour and gives federated users without a policy no permissions', async () => {
    const user = (await deps.store.credentials.listAccessKeys(ACCOUNT)).find((k) => k.principalType === 'IAMUser')!;
    const caller = await login(user.accessKeyId);
    const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::${ACCOUNT}:root"},"Action":"sts:AssumeRole"}]}`;
    await iam(root, { Action: 'CreateRole', RoleName: 'chain', AssumeRolePolicyDocument: trust, MaxSessionDuration: '43200' });
    await iam(root, { Action: 'PutRolePolicy', RoleName: 'chain', PolicyName: 'p', PolicyDocument: '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}}' });
    const first = (await sts(caller, { Action: 'AssumeRole', RoleArn: `arn:aws:iam::${ACCOUNT}:role/chain`, RoleSessionName: 'one', DurationSeconds: '7200' })).body;
    const roleSession = await login(tag(first, 'AccessKeyId')!, tag(first, 'SessionToken'));
    assert.equal(roleSession.roleArn, `arn:aws:iam::${ACCOUNT}:role/chain`);
    const chained = await sts(roleSession, { Action: 'AssumeRole', RoleArn: `arn:aws:iam::${ACCOUNT}:role/chain`, RoleSessionName: 'two', DurationSeconds: '3601' });
    assert.equal(tag(chained.body, 'Message'), 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
    assert.equal((await sts(roleSession, { Action: 'AssumeRole', RoleArn: `arn:aws:iam::${ACCOUNT}:role/chain`, RoleSessionName: 'two' })).status, 200);
    const fed = (await sts(caller, { Action: 'GetFederationToken', Name: 'fed' })).body;
    const federated = await login(tag(fed, 'AccessKeyId')!, tag(fed, 'SessionToken'));
    assert.deepEqual(federated.session?.sessionPolicies, [NO_PERMISSIONS_SESSION_POLICY]);
    assert.equal(federated.session?.issuerName, 'u');
  });

  it('rejects trust policies that are not trust policies', async () => {
    const bad: [string, string][] = [
      ['{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject"}]}', 'AssumeRole policy may only specify STS AssumeRole actions.'],
      ['{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}', 'Allow with NotPrincipal is not allowed.'],
      ['{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","NotResource":"*"}]}', 'AssumeRole policy must not contain resources.'],
      [`{"Version":"2012-10-17","Statement":[{"Sid":"${'x'.repeat(2000)}","Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`, 'Cannot exceed quota for ACLSizePerRole: 2048'],
    ];
    for (const [document, message] of bad) {
      const r = await iam(root, { Action: 'CreateRole', RoleName: 'bad', AssumeRolePolicyDocument: document });
      assert.equal(tag(r.body, 'Message'), message);
    }
  });
});
