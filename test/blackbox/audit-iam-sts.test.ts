import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, GetUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { ListKeysCommand } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetFederationTokenCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import assert from 'node:assert/strict';
import { failInserts } from '../lib/test-store.js';
import { after, before, describe, it } from 'node:test';
import { ACCOUNT, Harness, iamClient, stsClient, type Credentials } from './harness.js';
import { failure, isoSeconds, recordOf, recordsOf, requestIdOf } from './audit-helpers.js';

const allow = (action: string | string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
const trust = (principal: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: 'sts:AssumeRole' }] });

/** IAM and STS calls: request members (no secrets), responseElements without secrets, session identities. */
describe('audit trail: IAM and STS calls', () => {
  let h: Harness;
  let iam: IAMClient;
  let bob: Credentials;
  let bobId: string;
  const bobArn = `arn:aws:iam::${ACCOUNT}:user/bob`;
  before(async () => {
    h = await Harness.start();
    iam = iamClient(h);
    bobId = (await iam.send(new CreateUserCommand({ UserName: 'bob' }))).User!.UserId!;
    await iam.send(new PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'work', PolicyDocument: allow(['sts:*', 'kms:ListKeys']) }));
    await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: trust(bobArn) }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey!;
    bob = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
  });
  after(async () => {
    iam.destroy();
    await h.stop();
  });

  it('IAM: lowerCamelCase request members, policy documents as sent, responseElements without the secret access key', async () => {
    const user = await iam.send(new CreateUserCommand({ UserName: 'carol', Path: '/team/', Tags: [{ Key: 'dept', Value: 'ops' }] }));
    const u = recordOf(h, requestIdOf(user));
    assert.deepEqual([u.eventSource, u.eventName, u.readOnly, u.requestParameters], ['iam.amazonaws.com', 'CreateUser', false, { userName: 'carol', path: '/team/', tags: [{ key: 'dept', value: 'ops' }] }]);
    assert.deepEqual(u.responseElements.user.userId, user.User!.UserId);
    const doc = allow('kms:Encrypt');
    const put = await iam.send(new PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'p', PolicyDocument: doc }));
    assert.deepEqual(recordOf(h, requestIdOf(put)).requestParameters, { userName: 'carol', policyName: 'p', policyDocument: doc });
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'carol' }));
    const k = recordOf(h, requestIdOf(key));
    assert.deepEqual(k.responseElements, { accessKey: { userName: 'carol', accessKeyId: key.AccessKey!.AccessKeyId, status: 'Active', createDate: k.responseElements.accessKey.createDate } });
    assert.ok(!JSON.stringify(k).includes(key.AccessKey!.SecretAccessKey!));
    const read = await iam.send(new GetUserCommand({ UserName: 'carol' }));
    assert.deepEqual([recordOf(h, requestIdOf(read)).readOnly, recordOf(h, requestIdOf(read)).responseElements], [true, null]);
    const missing = await failure(() => iam.send(new GetUserCommand({ UserName: 'nobody' })));
    const m = recordOf(h, requestIdOf(missing));
    assert.deepEqual([m.errorCode, m.errorMessage], ['NoSuchEntity', missing.message]);
  });

  it('an IAM user and its AssumeRole: credentials recorded without secret or token; the role as resource', async () => {
    const out = await stsClient(h, bob).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/app`, RoleSessionName: 'build-7', DurationSeconds: 900 }));
    const r = recordOf(h, requestIdOf(out));
    assert.deepEqual(r.userIdentity, { type: 'IAMUser', principalId: bobId, arn: bobArn, accountId: ACCOUNT, accessKeyId: bob.accessKeyId, userName: 'bob' });
    assert.deepEqual([r.eventSource, r.readOnly, r.requestParameters], ['sts.amazonaws.com', true, { roleArn: `arn:aws:iam::${ACCOUNT}:role/app`, roleSessionName: 'build-7', durationSeconds: 900 }]);
    assert.deepEqual(r.responseElements, {
      credentials: { accessKeyId: out.Credentials!.AccessKeyId, expiration: r.responseElements.credentials.expiration },
      assumedRoleUser: { assumedRoleId: out.AssumedRoleUser!.AssumedRoleId, arn: out.AssumedRoleUser!.Arn },
    });
    assert.deepEqual(r.resources, [{ accountId: ACCOUNT, type: 'AWS::IAM::Role', ARN: `arn:aws:iam::${ACCOUNT}:role/app` }]);
    const text = JSON.stringify(r);
    assert.ok(!text.includes(out.Credentials!.SecretAccessKey!) && !text.includes(out.Credentials!.SessionToken!));

    // The session's own calls: type AssumedRole with its session context.
    const session = { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
    const created = isoSeconds(h.clock.now());
    h.advance(60_000);
    const who = await stsClient(h, session).send(new GetCallerIdentityCommand({}));
    const roleId = out.AssumedRoleUser!.AssumedRoleId!.split(':')[0];
    assert.deepEqual(recordOf(h, requestIdOf(who)).userIdentity, {
      type: 'AssumedRole', principalId: out.AssumedRoleUser!.AssumedRoleId, arn: out.AssumedRoleUser!.Arn, accountId: ACCOUNT, accessKeyId: session.accessKeyId,
      sessionContext: {
        sessionIssuer: { type: 'Role', principalId: roleId, arn: `arn:aws:iam::${ACCOUNT}:role/app`, accountId: ACCOUNT, userName: 'app' },
        attributes: { creationDate: created, mfaAuthenticated: 'false' },
      },
    });
    // An expired session is still recorded (its access key is known), as ExpiredToken.
    h.advance(3600_000);
    const expired = await failure(() => h.client(session).send(new ListKeysCommand({})));
    const e = recordOf(h, requestIdOf(expired));
    assert.deepEqual([e.eventName, e.errorCode, e.userIdentity.type, e.requestParameters], ['ListKeys', 'ExpiredTokenException', 'AssumedRole', null]);
  });

  it('federated users and GetSessionToken sessions', async () => {
    const fed = await stsClient(h, bob).send(new GetFederationTokenCommand({ Name: 'visitor', Policy: allow('kms:ListKeys') }));
    const fedCreds = { accessKeyId: fed.Credentials!.AccessKeyId!, secretAccessKey: fed.Credentials!.SecretAccessKey!, sessionToken: fed.Credentials!.SessionToken! };
    const list = await h.client(fedCreds).send(new ListKeysCommand({}));
    const f = recordOf(h, requestIdOf(list));
    assert.deepEqual(f.userIdentity, {
      type: 'FederatedUser', principalId: fed.FederatedUser!.FederatedUserId, arn: fed.FederatedUser!.Arn, accountId: ACCOUNT, accessKeyId: fedCreds.accessKeyId,
      sessionContext: {
        sessionIssuer: { type: 'IAMUser', principalId: bobId, arn: bobArn, accountId: ACCOUNT, userName: 'bob' },
        attributes: { creationDate: isoSeconds(h.clock.now()), mfaAuthenticated: 'false' },
      },
    });
    const tok = await stsClient(h, bob).send(new GetSessionTokenCommand({}));
    const t = recordOf(h, requestIdOf(tok));
    assert.ok(!JSON.stringify(t).includes(tok.Credentials!.SessionToken!));
    const sessionCreds = { accessKeyId: tok.Credentials!.AccessKeyId!, secretAccessKey: tok.Credentials!.SecretAccessKey!, sessionToken: tok.Credentials!.SessionToken! };
    const who = await stsClient(h, sessionCreds).send(new GetCallerIdentityCommand({}));
    const w = recordOf(h, requestIdOf(who));
    assert.deepEqual(w.userIdentity, {
      type: 'IAMUser', principalId: bobId, arn: bobArn, accountId: ACCOUNT, accessKeyId: sessionCreds.accessKeyId, userName: 'bob',
      sessionContext: { attributes: { creationDate: isoSeconds(h.clock.now()), mfaAuthenticated: 'false' } },
    });
  });

  it('IAM and STS calls that cannot be recorded fail with ServiceFailure / InternalFailure', async () => {
    const undo = failInserts(h.dataDir, 'audit_events', 'disk full');
    try {
      const i = await failure(() => iam.send(new GetUserCommand({ UserName: 'bob' })));
      assert.deepEqual([i.name, i.$metadata.httpStatusCode], ['ServiceFailureException', 500]); // the SDK's name for ServiceFailure
      const s = await failure(() => stsClient(h).send(new GetCallerIdentityCommand({})));
      assert.deepEqual([s.name, s.$metadata.httpStatusCode], ['InternalFailure', 500]);
      assert.equal(recordsOf(h, requestIdOf(s)).length, 0);
    } finally {
      undo();
    }
  });
});
