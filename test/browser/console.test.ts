/**
 * The web console in a real browser against a real server: sign in (keyboard only), create a key,
 * the lockout refusal, an SSE-KMS upload, another user's denial explained and fixed, the audit
 * trail's hash-chain verification, phone width; on a server with --insecure-dev-clock, the console's
 * clock control advancing 7 days removes a key pending deletion from the keys list.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateAccessKeyCommand, CreateUserCommand, type IAMClient } from '@aws-sdk/client-iam';
import { CreateKeyCommand, EncryptCommand, ScheduleKeyDeletionCommand, type KMSClient } from '@aws-sdk/client-kms';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ACCOUNT, Harness, iamClient, s3Client, type Credentials } from '../blackbox/harness.js';
import { collectPageErrors, launchChromium, screenshot, signInWithKeyboard } from './browser.js';

describe('web console in Chromium', { timeout: 180_000 }, () => {
  let h: Harness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let iam: IAMClient;
  let s3: S3Client;
  let keyId = '';
  let alice: Credentials;
  let aliceKms: KMSClient;

  before(async () => {
    h = await Harness.start();
    iam = iamClient(h);
    s3 = s3Client(h);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    errors = collectPageErrors(page);
    page.on('dialog', (d) => void d.accept());
    await iam.send(new CreateUserCommand({ UserName: 'alice' }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
    alice = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    aliceKms = h.client(alice);
  });
  after(async () => {
    await browser?.close();
    aliceKms?.destroy();
    iam?.destroy();
    s3?.destroy();
    await h?.stop();
  });

  it('serves the page with a strict CSP and no caching, and signs in with the keyboard only', async () => {
    const res = await page.goto(`${h.endpoint}/console`);
    assert.equal(res!.status(), 200);
    const headers = res!.headers();
    assert.match(headers['content-type']!, /^text\/html/);
    assert.equal(headers['cache-control'], 'no-store');
    assert.match(headers['content-security-policy']!, /script-src 'self'/);
    await signInWithKeyboard(page, h.credentials);
    await page.getByText(`arn:aws:iam::${ACCOUNT}:root`).waitFor();
    assert.equal(await page.evaluate(() => (globalThis as any).sessionStorage.length as number), 1);
    assert.equal(await page.evaluate(() => (globalThis as any).localStorage.length as number), 0, 'credentials never go to localStorage');
  });

  it('creates a key and finds it with the filters', async () => {
    await page.getByText('Create a key').click();
    await page.getByLabel('Description').fill('console test key');
    await page.getByRole('button', { name: 'Create key' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Created key' });
    await status.waitFor();
    keyId = /Created key ([0-9a-f-]{36})/.exec((await status.textContent())!)![1]!;
    await page.getByRole('link', { name: keyId }).waitFor();
    await page.getByLabel('State').selectOption('Disabled');
    await page.getByText('0 of 1 keys').waitFor();
    await page.getByLabel('State').selectOption('Enabled');
    await page.getByText('1 of 1 keys').waitFor();
    await screenshot(page, 'keys');
  });

  it('refuses a policy that locks the caller out, and says so', async () => {
    await page.getByRole('link', { name: keyId }).click();
    await page.getByRole('heading', { name: `Key ${keyId}` }).waitFor();
    const editor = page.getByLabel('Policy document (JSON)');
    // Functions, not strings: the page's CSP forbids string evaluation (no 'unsafe-eval').
    await page.waitForFunction(() => (globalThis as any).document.querySelector('textarea')?.value.includes('Enable IAM User Permissions'));
    await editor.fill('{ "Version": "2012-10-17", "Statement": [ {');
    await page.getByTestId('policy-json-error').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Save policy' }).isDisabled(), true, 'invalid JSON cannot be saved');
    const denyMe = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'DenyMe', Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:PutKeyPolicy', Resource: '*' },
      ],
    };
    await editor.fill(JSON.stringify(denyMe, null, 2));
    await page.getByTestId('policy-lockout-warning').waitFor();
    await page.getByRole('button', { name: 'Save policy' }).click();
    const refusal = page.getByTestId('policy-error');
    await refusal.filter({ hasText: 'MalformedPolicyDocumentException' }).waitFor();
    assert.match((await refusal.textContent())!, /will not allow you to update the key policy in the future/);
    assert.equal(await refusal.getAttribute('role'), 'alert', 'the refusal is announced');
    await screenshot(page, 'policy-lockout');
  });

  it('uploads an object with SSE-KMS under the key, with a progress bar', async () => {
    await page.getByRole('link', { name: 'Buckets' }).click();
    await page.getByLabel('New bucket name').fill('console-bucket');
    await page.getByRole('button', { name: 'Create bucket' }).click();
    await page.getByRole('link', { name: 'console-bucket' }).click();
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'hello.txt', mimeType: 'text/plain', buffer: Buffer.alloc(256 * 1024, 'hello ') });
    await page.getByLabel('Server-side encryption').selectOption('aws:kms');
    await page.getByLabel(/KMS key \(id/).fill(keyId);
    await page.getByRole('button', { name: 'Upload' }).click();
    const done = page.getByRole('status').filter({ hasText: 'Uploaded hello.txt' });
    await Promise.race([done.waitFor(), page.getByTestId('upload-error').filter({ hasText: /\w/ }).waitFor().then(async () => assert.fail(`upload failed: ${await page.getByTestId('upload-error').textContent()}`))]);
    assert.match((await done.textContent())!, /aws:kms/);
    const progress = page.locator('progress');
    assert.equal(await progress.evaluate((p) => { const bar = p as unknown as { value: number; max: number }; return bar.value === bar.max && bar.max === 256 * 1024; }), true);
    await page.getByRole('cell', { name: 'hello.txt', exact: true }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download hello.txt' }).click()]);
    assert.equal(download.suggestedFilename(), 'hello.txt');
    await page.getByRole('status').filter({ hasText: `Downloaded hello.txt (${256 * 1024} bytes, aws:kms` }).waitFor();
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'console-bucket', Key: 'hello.txt' }));
    assert.equal(head.ServerSideEncryption, 'aws:kms');
    assert.match(head.SSEKMSKeyId ?? '', new RegExp(keyId));
    await screenshot(page, 'bucket-upload');
  });

  it("shows another user's denial, explains it with the fix, applies the fix, and the call succeeds", async () => {
    await assert.rejects(aliceKms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') })), { name: 'AccessDeniedException' });
    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.getByLabel('Attribute').selectOption('Username');
    await page.getByLabel('Value').fill('alice');
    await page.getByRole('button', { name: 'Look up' }).click();
    const row = page.getByRole('row').filter({ hasText: 'kms:Encrypt' });
    await row.getByRole('link', { name: 'Explain' }).click();
    await page.getByTestId('verdict').filter({ hasText: 'DENIED' }).waitFor();
    const fix = page.getByTestId('fix');
    await fix.waitFor();
    assert.match((await fix.textContent())!, /kms:Encrypt/);
    await screenshot(page, 'explain');
    await fix.getByRole('button', { name: 'Apply fix' }).click();
    await fix.getByRole('status').filter({ hasText: 'Fix applied' }).waitFor();
    const out = await aliceKms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }));
    assert.ok(out.CiphertextBlob && out.CiphertextBlob.length > 0);
  });

  it('verifies the hash chains from the audit page (OK), and shows no dev clock without --insecure-dev-clock', async () => {
    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.getByRole('button', { name: 'Verify chain' }).click();
    const result = page.getByTestId('verify-result');
    await result.filter({ hasText: 'Audit trail intact' }).waitFor();
    assert.equal(await result.getAttribute('aria-live'), 'polite');
    assert.match((await result.textContent())!, new RegExp(`${ACCOUNT} us-east-1: \\d+ records, \\d+ digests: OK`));
    assert.doesNotMatch((await result.textContent())!, /BROKEN/);
    await screenshot(page, 'audit-verify');
    assert.equal(await page.getByRole('group', { name: 'Dev clock' }).count(), 0);
  });

  it('renders at phone width without horizontal scrolling', async () => {
    const phone = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    try {
      const p = await phone.newPage();
      const phoneErrors = collectPageErrors(p);
      await p.goto(`${h.endpoint}/console#/keys`);
      await signInWithKeyboard(p, h.credentials);
      await p.getByRole('link', { name: keyId }).waitFor();
      const overflow = () => p.evaluate(() => { const el = (globalThis as any).document.documentElement; return el.scrollWidth - el.clientWidth as number; });
      assert.equal(await overflow(), 0, 'keys page scrolls sideways');
      await screenshot(p, 'phone-keys');
      await p.getByRole('link', { name: keyId }).click();
      await p.getByRole('heading', { name: `Key ${keyId}` }).waitFor();
      assert.equal(await overflow(), 0, 'key page scrolls sideways');
      await screenshot(p, 'phone-key-detail');
      assert.deepEqual(phoneErrors, []);
    } finally {
      await phone.close();
    }
    assert.deepEqual(errors.filter((e) => !/status of 4\d\d/.test(e)), []);
  });
});

describe('web console dev clock control in Chromium (serve --insecure-dev-clock)', { timeout: 120_000 }, () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  before(async () => {
    h = await Harness.start({ insecureDevClock: true });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    errors = collectPageErrors(page);
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('advancing 7 days from the console removes a key pending deletion from the keys list', async () => {
    const keyId = (await h.kms.send(new CreateKeyCommand({ Description: 'doomed' }))).KeyMetadata!.KeyId!;
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    await page.goto(`${h.endpoint}/console#/keys`);
    await signInWithKeyboard(page, h.credentials);
    const clock = page.getByRole('group', { name: 'Dev clock' });
    const now = clock.getByTestId('dev-clock-now');
    await now.waitFor();
    const before = Date.parse((await now.getAttribute('datetime'))!);
    const row = page.getByRole('row').filter({ hasText: keyId });
    await row.filter({ hasText: 'PendingDeletion' }).waitFor();
    await clock.getByRole('button', { name: 'Advance the dev clock 7d' }).click();
    await clock.getByRole('status').filter({ hasText: 'Advanced 7d; key schedule ran: deletion 1' }).waitFor();
    await page.getByText('0 of 0 keys').waitFor();
    assert.equal(await row.count(), 0);
    assert.equal(Date.parse((await now.getAttribute('datetime'))!) - before, 7 * 86_400_000);
    await screenshot(page, 'dev-clock');
    assert.deepEqual(errors, []);
  });
});
