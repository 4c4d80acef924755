/**
 * `locksmith serve`'s request log on stdout is buffered (4 KiB or 100 ms, src/server/request-log.ts): a
 * single call on an otherwise idle server must still show up within a moment, not wait for 4 KiB
 * of lines, and lines still buffered when the server stops are written before it exits.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KMSClient, ListAliasesCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import { rootCredentials, spawnServer, type ServerProcess } from '../reliability/lib/server-process.js';

const requestLines = (out: string, operation: string) =>
  out.split('\n').filter((l) => l.startsWith('{') && l.includes('"msg":"request"') && l.includes(`"operation":"${operation}"`));

describe('request log (serve, stdout)', () => {
  let dir: string;
  let server: ServerProcess;
  let kms: KMSClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'locksmith-reqlog-'));
    server = await spawnServer(dir);
    kms = new KMSClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: rootCredentials(dir), maxAttempts: 1 });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a lone call on an idle server is logged within a second, without its content', async () => {
    const sent = Date.now();
    await kms.send(new ListKeysCommand({ Limit: 7 }));
    const deadline = Date.now() + 1000;
    while (requestLines(server.output(), 'ListKeys').length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const [line] = requestLines(server.output(), 'ListKeys');
    assert.ok(line, `no ListKeys line within 1 s: ${server.output().slice(-500)}`);
    const entry = JSON.parse(line) as Record<string, unknown>;
    assert.equal(entry.service, 'kms');
    assert.equal(entry.outcome, 'success');
    const time = Date.parse(String(entry.time));
    assert.ok(time >= sent - 1000 && time <= Date.now(), `time ${String(entry.time)}`);
    assert.match(String(entry.principal), /^arn:aws:iam::\d{12}:root$/);
    assert.ok(!line.includes('"Limit"'), 'no request member is logged');
  });

  it('lines still buffered when the server stops are written before it exits', async () => {
    await kms.send(new ListAliasesCommand({}));
    await server.stop('SIGTERM');
    assert.equal(requestLines(server.output(), 'ListAliases').length, 1, server.output().slice(-500));
  });
});
