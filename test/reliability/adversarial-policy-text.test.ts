/**
 * Policy text adversarial suite (issue #11, finding 6): random key policies, each written several
 * equivalent ways (JSON `\u` escapes in any key or string, white space, member and array order, one
 * value or an array, action and condition-key case, account id or root ARN — see
 * lib/policy-spellings.ts for the AWS rules behind each), must decide every request the same.
 *
 * - Volume: through the KMS authorizer (policy engine plus the resource condition keys it fetches:
 *   aws:ResourceTag/*, kms:ResourceAliases) over a fixed request set.
 * - Sample: through a real server — CreateKey, tag and alias, PutKeyPolicy of each spelling, then
 *   Encrypt / GenerateDataKey / DescribeKey as the account root and as an IAM user.
 *
 * Size: LOCKSMITH_RELIABILITY=full → 5,000 policies × 6 spellings (engine), 60 × 3 (server);
 * default → 150 × 4 and 4 × 3. Replay: LOCKSMITH_SEED_RELIABILITY=<seed> (printed).
 */
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, EncryptCommand, GenerateDataKeyCommand, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KmsKey } from '../../src/domain/key.js';
import { clearPolicyCache } from '../../src/policy/document.js';
import type { CallContext, Principal } from '../../src/domain/call-context.js';
import { KmsAuthorizer } from '../../src/services/kms/kms-authorizer.js';
import type { Store } from '../../src/store/ports.js';
import { ManualClock } from '../../src/util/clock.js';
import { ACCOUNT, Harness, iamClient, type Credentials } from '../blackbox/harness.js';
import { randomKeyPolicy, respell, type PolicyVocabulary } from './lib/policy-spellings.js';
import { Prng, runSeed } from './lib/prng.js';
import { bySize } from './lib/size.js';
import { permissionFacts } from './lib/kms-permission-facts.js';

const ENGINE_POLICIES = bySize(150, 5_000);
const ENGINE_SPELLINGS = bySize(4, 6);
const SERVER_POLICIES = bySize(4, 60);
const SERVER_SPELLINGS = 3;
const SEED = runSeed();
console.log(`adversarial-policy-text: seed ${SEED} (replay with LOCKSMITH_SEED_RELIABILITY=${SEED})`);

const ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';

describe('adversarial: equivalent spellings of a policy decide the same', () => {
  it(`through the KMS authorizer: ${ENGINE_POLICIES} policies × ${ENGINE_SPELLINGS} spellings (seed ${SEED})`, async () => {
    const r = new Prng(SEED);
    const account = '111122223333';
    const keyArn = `arn:aws:kms:us-east-1:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const alice: Principal = { arn: `arn:aws:iam::${account}:user/alice`, account, type: 'IAMUser', userName: 'alice', userId: 'AIDAALICE0000000000A', accessKeyId: 'AKIAALICE' };
    const root: Principal = { arn: `arn:aws:iam::${account}:root`, account, type: 'Root', userId: account, accessKeyId: 'AKIAROOT' };
    const vocabulary: PolicyVocabulary = { account, keyArn, userArns: [alice.arn] };
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const resources: { tags: Record<string, string>; aliases: string[] }[] = [{ tags: { env: 'prod' }, aliases: ['alias/blue'] }, { tags: { env: 'dev' }, aliases: [] }, { tags: {}, aliases: ['alias/red', 'alias/blue'] }];
    interface Request { principal: Principal; action: string; ec?: Record<string, string>; resource: (typeof resources)[number] }
    const requests: Request[] = [];
    for (const principal of [root, alice]) {
      for (const action of ['Encrypt', 'Decrypt', 'GenerateDataKey', 'DescribeKey']) {
        for (const ec of [{ tenant: 'a' }, { tenant: 'prod' }, undefined]) for (const resource of resources) requests.push({ principal, action, ec, resource });
      }
    }
    const decide = async (policy: string, q: Request): Promise<string> => {
      const authorizer = new KmsAuthorizer(stubStore(q.resource.tags, q.resource.aliases));
      const ctx = { principal: q.principal, account, region: 'us-east-1', sourceIp: '127.0.0.1', secureTransport: true, userAgent: 'test', requestId: 'r', clock } as unknown as CallContext;
      const key = { account, region: 'us-east-1', keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', arn: keyArn, policy, keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT', origin: 'AWS_KMS', multiRegion: false } as KmsKey;
      try {
        await authorizer.authorizeKey(ctx, { action: q.action, ...permissionFacts(q.action), key, input: {}, encryptionContext: q.ec });
        return 'allow';
      } catch (e) {
        if ((e as Error).name === 'AccessDeniedException') return `deny: ${(e as Error).message}`;
        throw e;
      }
    };
    let allowed = 0;
    let denied = 0;
    for (let n = 0; n < ENGINE_POLICIES; n++) {
      const policy = randomKeyPolicy(r, vocabulary);
      const canonical = JSON.stringify(policy);
      const expected: string[] = await Promise.all(requests.map((q) => decide(canonical, q)));
      for (const d of expected) d === 'allow' ? allowed++ : denied++;
      for (let s = 0; s < ENGINE_SPELLINGS; s++) {
        const text = respell(r, policy, account);
        const got: string[] = await Promise.all(requests.map((q) => decide(text, q)));
        for (let i = 0; i < requests.length; i++) {
          if (got[i] !== expected[i]) {
            const q = requests[i];
            assert.fail(`seed ${SEED}, policy ${n}, spelling ${s}: ${q.principal.type} ${q.action} ${JSON.stringify(q.ec)} ${JSON.stringify(q.resource)}\n` +
              `canonical ${canonical} → ${expected[i]}\nspelling  ${text} → ${got[i]}`);
          }
        }
      }
      if (n % 200 === 199) clearPolicyCache(); // keep the engine's text cache from growing without bound
    }
    // The generator must exercise both outcomes, or the property says nothing.
    assert.ok(allowed > requests.length && denied > requests.length, `allowed ${allowed}, denied ${denied}`);
  });

  describe(`through a real server: ${SERVER_POLICIES} policies × ${SERVER_SPELLINGS} spellings (seed ${SEED})`, () => {
    let h: Harness;
    let alice: Credentials;
    before(async () => {
      h = await Harness.start();
      const iam = iamClient(h);
      await iam.send(new CreateUserCommand({ UserName: 'alice' }));
      await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'all', PolicyDocument: ALLOW_ALL }));
      const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
      alice = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
      iam.destroy();
    });
    after(() => h.stop());

    it('PutKeyPolicy of each spelling, then the same calls answer the same', async () => {
      const r = new Prng(SEED ^ 0x5eed);
      const callers = { root: h.kms, alice: h.client(alice) };
      const outcome = async (fn: () => Promise<unknown>) => {
        try {
          await fn();
          return 'ok';
        } catch (e) {
          return (e as Error).name;
        }
      };
      let ok = 0;
      let refused = 0;
      // Draw on past the sample size while one outcome is still missing: four random policies may all
      // refuse everything (seed 2189176360 did), and then the property would say nothing.
      for (let n = 0; n < SERVER_POLICIES || ((ok === 0 || refused === 0) && n < 10 * SERVER_POLICIES); n++) {
        const env = r.pick(['prod', 'dev']);
        const alias = r.chance(0.5) ? r.pick(['blue', 'red']) : undefined;
        const policy = randomKeyPolicy(r, { account: ACCOUNT, keyArn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/*`, userArns: [`arn:aws:iam::${ACCOUNT}:user/alice`] });
        const texts = [JSON.stringify(policy), ...Array.from({ length: SERVER_SPELLINGS }, () => respell(r, policy, ACCOUNT))];
        let expected: string[] | undefined;
        for (const [s, text] of texts.entries()) {
          // A fresh key per spelling (a random policy may lock everyone out): same tags, an alias of the same kind.
          const key = (await h.kms.send(new CreateKeyCommand({ Tags: [{ TagKey: 'env', TagValue: env }] }))).KeyMetadata!;
          if (alias) await h.kms.send(new CreateAliasCommand({ AliasName: `alias/${alias}-${n}-${s}`, TargetKeyId: key.KeyId }));
          const put = await outcome(() => h.kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: text, BypassPolicyLockoutSafetyCheck: true })));
          const answers = [put];
          for (const c of Object.values(callers)) {
            for (const tenant of ['a', 'prod']) {
              answers.push(await outcome(() => c.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('x'), EncryptionContext: { tenant } }))));
              answers.push(await outcome(() => c.send(new GenerateDataKeyCommand({ KeyId: key.KeyId, KeySpec: 'AES_256', EncryptionContext: { tenant } }))));
            }
            answers.push(await outcome(() => c.send(new DescribeKeyCommand({ KeyId: key.KeyId }))));
          }
          for (const a of answers.slice(1)) a === 'ok' ? ok++ : refused++;
          if (expected === undefined) expected = answers;
          else assert.deepEqual(answers, expected, `seed ${SEED}, policy ${n}:\ncanonical ${texts[0]}\nspelling  ${text}`);
        }
      }
      assert.ok(ok > 0 && refused > 0, `ok ${ok}, refused ${refused}`);
      callers.alice.destroy();
    });
  });
});

/** The store reads the authorizer makes: alice's identity policy, the key's tags and aliases, no grants. */
function stubStore(tags: Record<string, string>, aliases: string[]): Store {
  return {
    iam: { identityPolicies: async () => [{ name: 'all', document: ALLOW_ALL }] },
    aliases: { list: async () => ({ items: aliases.map((aliasName) => ({ aliasName })) }) },
    tags: { get: async () => tags },
    grants: { forGrantee: async () => [], getByToken: async () => undefined, findByRule: async () => undefined },
  } as unknown as Store;
}
