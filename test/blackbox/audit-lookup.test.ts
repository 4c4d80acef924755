import { LookupEventsCommand, type Event, type LookupEventsCommandInput } from '@aws-sdk/client-cloudtrail';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateKeyCommand, EncryptCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { ACCOUNT, Harness, REGION, iamClient, type Credentials } from './harness.js';
import { cloudTrailClient, failure, requestIdOf } from './audit-helpers.js';

const run = promisify(execFile);
const allow = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

/** CloudTrail LookupEvents over awsJson1.1, through the JS SDK and the aws CLI. */
describe('audit trail: LookupEvents', () => {
  let h: Harness;
  let keyArn: string;
  let carol: Credentials;
  const start = Date.now() - 60_000;
  const lookup = (input: LookupEventsCommandInput = {}, creds?: Credentials) => cloudTrailClient(h, creds).send(new LookupEventsCommand(input));
  const names = (events: Event[] | undefined) => (events ?? []).map((e) => e.EventName);

  before(async () => {
    h = await Harness.start();
    keyArn = (await h.kms.send(new CreateKeyCommand({ Description: 'looked up' }))).KeyMetadata!.Arn!;
    for (let i = 0; i < 6; i++) {
      h.advance(1000);
      await h.kms.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from(`m${i}`) }));
    }
    const iam = iamClient(h);
    await iam.send(new CreateUserCommand({ UserName: 'carol' }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: 'carol' }))).AccessKey!;
    carol = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
    await h.client(carol).send(new ListKeysCommand({})).catch(() => undefined); // AccessDenied, recorded under carol
    iam.destroy();
  });
  after(() => h.stop());

  it('answers newest first with CloudTrail event summaries and the record as CloudTrailEvent', async () => {
    const out = await lookup({ MaxResults: 50 });
    const events = out.Events!;
    const times = events.map((e) => e.EventTime!.getTime());
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    assert.deepEqual(names(events).slice(0, 4), ['ListKeys', 'CreateAccessKey', 'CreateUser', 'Encrypt']);
    const enc = events.find((e) => e.EventName === 'Encrypt')!;
    const record = JSON.parse(enc.CloudTrailEvent!);
    assert.deepEqual(
      { ...enc, CloudTrailEvent: undefined, EventTime: undefined },
      { EventId: record.eventID, EventName: 'Encrypt', ReadOnly: 'true', AccessKeyId: h.credentials.accessKeyId, EventTime: undefined, EventSource: 'kms.amazonaws.com',
        Username: 'root', Resources: [{ ResourceType: 'AWS::KMS::Key', ResourceName: keyArn }], CloudTrailEvent: undefined },
    );
    assert.equal(enc.EventTime!.toISOString().replace('.000Z', 'Z'), record.eventTime);
    // eventIDs are time-ordered GUIDs (RFC 9562 version 7): the event's milliseconds lead, within its second.
    for (const e of events) {
      assert.match(e.EventId!, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const ms = parseInt(e.EventId!.replace(/-/g, '').slice(0, 12), 16) - e.EventTime!.getTime();
      assert.ok(ms >= 0 && ms < 1000, `${e.EventName} ${e.EventId} at ${e.EventTime!.toISOString()}`);
    }
  });

  it('filters by each lookup attribute', async () => {
    const by = async (AttributeKey: string, AttributeValue: string) =>
      (await lookup({ LookupAttributes: [{ AttributeKey: AttributeKey as never, AttributeValue }] })).Events!;
    assert.deepEqual(names(await by('EventName', 'Encrypt')), Array(6).fill('Encrypt'));
    const one = (await by('EventName', 'CreateKey'))[0];
    assert.deepEqual(names(await by('EventId', one.EventId!)), ['CreateKey']);
    assert.deepEqual(names(await by('ReadOnly', 'false')), ['CreateAccessKey', 'CreateUser', 'CreateKey']);
    assert.deepEqual(names(await by('Username', 'carol')), ['ListKeys']);
    assert.deepEqual(names(await by('AccessKeyId', carol.accessKeyId)), ['ListKeys']);
    assert.deepEqual(new Set(names(await by('EventSource', 'iam.amazonaws.com'))), new Set(['CreateUser', 'CreateAccessKey']));
    assert.equal((await by('ResourceType', 'AWS::KMS::Key')).length, 7);
    assert.equal((await by('ResourceName', keyArn)).length, 7);
    assert.deepEqual(names(await by('ResourceName', 'carol')), ['CreateAccessKey', 'CreateUser']);
    assert.deepEqual(await by('EventName', 'Decrypt'), []);
  });

  it('StartTime and EndTime bound the events', async () => {
    const all = (await lookup({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'Encrypt' }] })).Events!;
    const [newest, , third] = all.map((e) => e.EventTime!);
    const windowed = await lookup({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'Encrypt' }], StartTime: third, EndTime: newest });
    assert.equal(windowed.Events!.length, 3);
    assert.deepEqual((await lookup({ StartTime: new Date(start - 3600_000), EndTime: new Date(start - 1000) })).Events, []);
  });

  it('pages with MaxResults and NextToken through every event exactly once', async () => {
    const everything = (await lookup({})).Events!.map((e) => e.EventId);
    const seen: (string | undefined)[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await lookup({ MaxResults: 2, NextToken: token });
      // Each LookupEvents call is itself recorded; it is newer than the first page, so paging back never sees it.
      seen.push(...page.Events!.map((e) => e.EventId));
      token = page.NextToken;
      pages++;
    } while (token);
    const lookups = seen.filter((id) => !everything.includes(id));
    assert.deepEqual(seen.filter((id) => everything.includes(id)), everything.filter((id) => seen.includes(id)));
    assert.ok(pages >= everything.length / 2);
    assert.ok(lookups.length <= 2, 'at most the calls that came before the first page');
  });

  it('rejects bad requests with CloudTrail\'s exceptions', async () => {
    const cases: [LookupEventsCommandInput, string][] = [
      [{ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'a' }, { AttributeKey: 'Username', AttributeValue: 'b' }] }, 'InvalidLookupAttributesException'],
      [{ MaxResults: 0 }, 'InvalidMaxResultsException'],
      [{ MaxResults: 51 }, 'InvalidMaxResultsException'],
      [{ StartTime: new Date(2_000_000_000_000), EndTime: new Date(1_000_000_000_000) }, 'InvalidTimeRangeException'],
      [{ NextToken: 'bm90LWEtdG9rZW4' }, 'InvalidNextTokenException'],
      [{ LookupAttributes: [{ AttributeKey: 'Bogus' as never, AttributeValue: 'x' }] }, 'ValidationException'],
    ];
    for (const [input, name] of cases) assert.equal((await failure(() => lookup(input))).name, name, JSON.stringify(input));
    // A token belongs to the filter that produced it.
    const page = await lookup({ MaxResults: 1 });
    const other = await failure(() => lookup({ MaxResults: 1, NextToken: page.NextToken, LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'Encrypt' }] }));
    assert.equal(other.name, 'InvalidNextTokenException');
  });

  it('is authorized by IAM (cloudtrail:LookupEvents) and shows each account only its own events', async () => {
    const denied = await failure(() => lookup({}, carol));
    assert.equal(denied.name, 'AccessDeniedException');
    assert.equal(denied.message, `User: arn:aws:iam::${ACCOUNT}:user/carol is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action`);
    const iam = iamClient(h);
    await iam.send(new PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'audit', PolicyDocument: allow('cloudtrail:LookupEvents') }));
    iam.destroy();
    const mine = await lookup({ MaxResults: 50 }, carol);
    assert.ok(mine.Events!.some((e) => e.EventName === 'LookupEvents' && e.Username === 'carol' && JSON.parse(e.CloudTrailEvent!).errorCode === 'AccessDenied'));
    assert.equal(requestIdOf(mine)?.length, 36);
    // Another region is another trail: nothing there yet.
    assert.deepEqual((await cloudTrailClient(h, undefined, 'eu-west-1').send(new LookupEventsCommand({}))).Events, []);
  });

  it('answers the aws CLI (aws cloudtrail lookup-events)', async () => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', AWS_ACCESS_KEY_ID: h.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: h.credentials.secretAccessKey,
      AWS_DEFAULT_REGION: REGION, AWS_REGION: REGION, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    if (process.env.PYENV_ROOT) env.PYENV_ROOT = process.env.PYENV_ROOT;
    const aws = async (...args: string[]) => JSON.parse((await run('aws', [`--endpoint-url=${h.endpoint}`, '--output', 'json', ...args], { env })).stdout);
    const out = await aws('cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=Encrypt', '--page-size', '4');
    assert.equal(out.Events.length, 6, 'the CLI follows NextToken itself');
    const one = await aws('cloudtrail', 'lookup-events', '--lookup-attributes', 'AttributeKey=EventName,AttributeValue=Encrypt', '--max-results', '4');
    assert.equal(one.Events.length, 4);
    assert.ok(one.NextToken, 'with --max-results the CLI returns one page and its token');
    assert.ok(out.Events.every((e: Event) => e.EventName === 'Encrypt' && JSON.parse(e.CloudTrailEvent!).requestParameters.keyId === keyArn));
    const first = await aws('cloudtrail', 'lookup-events', '--max-items', '2');
    assert.equal(first.Events.length, 2);
    assert.ok(first.NextToken);
  });
});
