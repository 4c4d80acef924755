/**
 * Adapter-independent contract for the audit store (src/store/audit-ports.ts): hash-chained
 * appends (also from two stores writing one chain at once, as two processes or nodes would),
 * lookups, intents and digests. `open` returns a store on the adapter's database; called twice in
 * a test, it returns two independent stores (connections) on the same database.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { toStoredEvent } from '../../src/audit/record-index.js';
import type { CloudTrailRecord } from '../../src/audit/record.js';
import { verifyAuditTrail } from '../../src/audit/verify.js';
import type { NewAuditEvent } from '../../src/store/audit-ports.js';
import type { Store } from '../../src/store/ports.js';
import { REGION, T0, newAccount } from './fixtures.js';

/** T0 as stored: records keep whole seconds (toStoredEvent). */
const SECOND0 = T0.getTime() - (T0.getTime() % 1000);
const KEY_ARN = (account: string) => `arn:aws:kms:${REGION}:${account}:key/${'1'.repeat(8)}-1111-1111-1111-${'1'.repeat(12)}`;

/** A valid record of one call (verify re-derives the lookup columns from it). */
function event(account: string, eventName: string, second: number, extra: Partial<CloudTrailRecord> = {}): NewAuditEvent {
  const time = new Date(T0.getTime() + second * 1000);
  const record: CloudTrailRecord = {
    eventVersion: '1.09',
    userIdentity: { type: 'Root', principalId: account, arn: `arn:aws:iam::${account}:root`, accountId: account, accessKeyId: 'AKIAEXAMPLE' },
    eventTime: time.toISOString().slice(0, -5) + 'Z',
    eventSource: 'kms.amazonaws.com',
    eventName,
    awsRegion: REGION,
    sourceIPAddress: '127.0.0.1',
    userAgent: 'contract',
    requestParameters: null,
    responseElements: null,
    eventID: randomUUID(),
    readOnly: eventName.startsWith('Describe'),
    resources: [{ accountId: account, type: 'AWS::KMS::Key', ARN: KEY_ARN(account) }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
    eventCategory: 'Management',
    ...extra,
  };
  return toStoredEvent(record, time);
}

async function using<T>(open: () => Promise<Store>, fn: (s: Store) => Promise<T>): Promise<T> {
  const s = await open();
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

export function auditStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`audit store contract: ${name}`, () => {
    it('links appended records into one chain per account and region, with its head; verify finds nothing wrong', async () => {
      await using(open, async (s) => {
        const account = newAccount();
        await s.audit.append([event(account, 'Encrypt', 1), event(account, 'Decrypt', 2)]);
        await s.audit.append([event(account, 'DescribeKey', 3)]);
        const page = await s.audit.chainPage(account, REGION, 0, 10);
        assert.deepEqual(page.map((e) => [e.chainSeq, e.eventName]), [[1, 'Encrypt'], [2, 'Decrypt'], [3, 'DescribeKey']]);
        assert.equal(page[1]!.prevHash, page[0]!.hash);
        assert.deepEqual(await s.audit.head(account, REGION), { chainSeq: 3, hash: page[2]!.hash });
        assert.equal(page[0]!.eventTime.getTime(), SECOND0 + 1000);
        assert.ok((await s.audit.chains()).some((c) => c.account === account && c.region === REGION));
        const [report] = await verifyAuditTrail(s.audit, { account, region: REGION });
        assert.deepEqual([report!.records, report!.problems], [3, []]);
        assert.deepEqual(await s.audit.chainRange(account, REGION, 2, 3), { count: 2, oldest: page[1]!.eventTime, newest: page[2]!.eventTime });
        assert.equal(await s.audit.head(newAccount(), REGION), undefined);
      });
    });

    it('keeps one unbroken chain when two stores append to it at the same time', async () => {
      const account = newAccount();
      const [a, b] = [await open(), await open()];
      try {
        const writes: Promise<void>[] = [];
        for (let i = 0; i < 20; i++) {
          writes.push(a.audit.append([event(account, 'Encrypt', i)]));
          writes.push(b.audit.append([event(account, 'Decrypt', i), event(account, 'Decrypt', i)]));
        }
        await Promise.all(writes);
        const page = await a.audit.chainPage(account, REGION, 0, 100);
        assert.deepEqual(page.map((e) => e.chainSeq), Array.from({ length: 60 }, (_, i) => i + 1));
        const [report] = await verifyAuditTrail(b.audit, { account, region: REGION });
        assert.deepEqual([report!.records, report!.problems], [60, []]);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('looks events up by attribute and time, newest first, paging without gaps or repeats', async () => {
      await using(open, async (s) => {
        const account = newAccount();
        await s.audit.append(Array.from({ length: 7 }, (_, i) => event(account, i % 2 ? 'Decrypt' : 'Encrypt', i)));
        const names: string[] = [];
        let after;
        do {
          const page = await s.audit.lookup({ account, region: REGION, attribute: { key: 'EventName', value: 'Encrypt' }, limit: 2, after });
          names.push(...page.events.map((e) => `${e.eventName}@${e.eventTime.getTime()}`));
          after = page.next;
        } while (after);
        assert.deepEqual(names, [6, 4, 2, 0].map((i) => `Encrypt@${SECOND0 + i * 1000}`));
        const byResource = await s.audit.lookup({ account, region: REGION, attribute: { key: 'ResourceName', value: KEY_ARN(account) }, limit: 50,
          startTime: new Date(SECOND0 + 2000), endTime: new Date(SECOND0 + 4000) });
        assert.equal(byResource.events.length, 3);
        assert.equal(byResource.next, undefined);
      });
    });

    it('finds the last successful use of a key among given operations', async () => {
      await using(open, async (s) => {
        const account = newAccount();
        await s.audit.append([event(account, 'Encrypt', 1), event(account, 'Decrypt', 2), event(account, 'Decrypt', 3, { errorCode: 'AccessDeniedException' })]);
        const last = await s.audit.lastKeyUsage(account, REGION, KEY_ARN(account), ['Encrypt', 'Decrypt']);
        assert.equal(last?.chainSeq, 2);
        assert.equal(await s.audit.lastKeyUsage(account, REGION, KEY_ARN(account), ['Sign']), undefined);
      });
    });

    it('keeps intents apart from the chain until the call’s own record settles them', async () => {
      await using(open, async (s) => {
        const account = newAccount();
        const requestId = randomUUID();
        const intent = { ...event(account, 'ScheduleKeyDeletion', 1), intentOf: requestId };
        await s.audit.append([intent]);
        assert.equal(await s.audit.head(account, REGION), undefined);
        const pending = (await s.audit.unsettledIntents(new Date(8.64e15))).filter((i) => i.requestId === requestId);
        assert.deepEqual(pending.map((i) => [i.account, i.record]), [[account, intent.record]]);
        await s.audit.append([{ ...event(account, 'ScheduleKeyDeletion', 1), settles: requestId }]);
        assert.equal((await s.audit.unsettledIntents(new Date(8.64e15))).some((i) => i.requestId === requestId), false);
        assert.equal((await s.audit.head(account, REGION))?.chainSeq, 1);
      });
    });

    it('stores one digest key per region and each digest once', async () => {
      await using(open, async (s) => {
        const region = `xx-${randomUUID().slice(0, 8)}-1`;
        const first = { region, fingerprint: 'f1', publicKey: Buffer.from([1, 0, 2]), wrappedPrivateKey: Buffer.from([3, 0, 4]), createdAt: new Date(T0.getTime() + 7) };
        assert.deepEqual(await s.audit.ensureDigestKey(first), first);
        assert.deepEqual(await s.audit.ensureDigestKey({ ...first, fingerprint: 'f2' }), first);
        assert.deepEqual(await s.audit.digestKey(region), first);
        const account = newAccount();
        const digest = { account, region, digestSeq: 1, createdAt: new Date(T0.getTime() + 9), body: '{"d":1}', signature: 'ab' };
        assert.equal(await s.audit.appendDigest(digest), true);
        assert.equal(await s.audit.appendDigest({ ...digest, body: '{"d":2}' }), false);
        assert.deepEqual(await s.audit.digests(account, region), [digest]);
        assert.deepEqual(await s.audit.lastDigest(account, region), digest);
      });
    });
  });
}
