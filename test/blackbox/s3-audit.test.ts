import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CreateBucketCommand, GetObjectCommand, PutBucketTaggingCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ACCOUNT, Harness, s3Client } from './harness.js';
import { cloudTrailClient, recordOf, requestIdOf, storedRows } from './audit-helpers.js';

/** CloudTrail records of S3 calls: management events for bucket calls, data events for object calls, never object bytes. */
describe('S3 audit: management and data events', () => {
  let h: Harness;
  let s3: S3Client;
  before(async () => {
    h = await Harness.start();
    s3 = s3Client(h);
  });
  after(() => h.stop());

  it('CreateBucket and PutBucketTagging are management events', async () => {
    const created = await s3.send(new CreateBucketCommand({ Bucket: 'audited' }));
    const r = recordOf(h, requestIdOf(created));
    assert.equal(r.eventSource, 's3.amazonaws.com');
    assert.equal(r.eventName, 'CreateBucket');
    assert.equal(r.eventCategory, 'Management');
    assert.equal(r.managementEvent, true);
    assert.equal(r.readOnly, false);
    assert.equal(r.requestParameters.bucketName, 'audited');
    assert.deepEqual(r.resources, [{ accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::audited' }]);
    const tagged = await s3.send(new PutBucketTaggingCommand({ Bucket: 'audited', Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] } }));
    assert.equal(recordOf(h, requestIdOf(tagged)).eventName, 'PutBucketTagging');
  });

  it('PutObject and GetObject are data events with the object and bucket ARNs, without the bytes', async () => {
    const secretBody = 'object-bytes-that-must-never-be-recorded';
    const put = await s3.send(new PutObjectCommand({ Bucket: 'audited', Key: 'dir/file.txt', Body: secretBody }));
    const r = recordOf(h, requestIdOf(put));
    assert.equal(r.eventName, 'PutObject');
    assert.equal(r.eventCategory, 'Data');
    assert.equal(r.managementEvent, false);
    assert.equal(r.readOnly, false);
    assert.deepEqual(r.resources, [
      { type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::audited/dir/file.txt' },
      { accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: 'arn:aws:s3:::audited' },
    ]);
    assert.equal(r.requestParameters.key, 'dir/file.txt');
    const got = await s3.send(new GetObjectCommand({ Bucket: 'audited', Key: 'dir/file.txt' }));
    await got.Body!.transformToString();
    const g = recordOf(h, requestIdOf(got));
    assert.equal(g.readOnly, true);
    assert.equal(g.eventCategory, 'Data');
    for (const row of storedRows(h.dataDir)) assert.ok(!JSON.stringify(row.record).includes(secretBody));
  });

  it('a failed object call is recorded with its error code', async () => {
    let requestId: string | undefined;
    try {
      await s3.send(new GetObjectCommand({ Bucket: 'audited', Key: 'missing' }));
    } catch (e) {
      requestId = requestIdOf(e);
    }
    const r = recordOf(h, requestId);
    assert.equal(r.errorCode, 'NoSuchKey');
    assert.equal(r.eventCategory, 'Data');
  });

  it('LookupEvents finds S3 events by resource name and event source', async () => {
    const ct = cloudTrailClient(h);
    const byResource = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: 'arn:aws:s3:::audited/dir/file.txt' }] }));
    assert.deepEqual(byResource.Events?.map((e) => e.EventName).sort(), ['GetObject', 'PutObject']);
    const bySource = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 's3.amazonaws.com' }] }));
    assert.ok((bySource.Events?.length ?? 0) >= 5);
  });
});
