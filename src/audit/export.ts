import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AuditStore, StoredAuditEvent } from '../store/audit-ports.js';
import type { DigestBody } from './digests.js';

/**
 * Writes the audit trail in CloudTrail's S3 layout ("Finding your CloudTrail log files"):
 *   AWSLogs/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/<account>_CloudTrail_<region>_<yyyymmddTHHmmZ>_<random>.json.gz
 * holding `{"Records": [...]}` — one file per chain and 5-minute window of event time, records in
 * chain order — and each signed digest under
 *   AWSLogs/<account>/CloudTrail-Digest/<region>/<yyyy>/<mm>/<dd>/<account>_CloudTrail-Digest_<region>_locksmith_<region>_<yyyymmddTHHmmssZ>.json.gz
 * with its signature (hex, DER ECDSA over the digest's canonical JSON without the signature).
 */
const WINDOW_MS = 5 * 60 * 1000;
const MAX_RECORDS_PER_FILE = 10_000;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export interface ExportReport {
  files: string[];
  records: number;
  digests: number;
}

const pad = (n: number) => String(n).padStart(2, '0');
const datePath = (d: Date) => join(String(d.getUTCFullYear()), pad(d.getUTCMonth() + 1), pad(d.getUTCDate()));
const minuteStamp = (d: Date) => `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}Z`;
const secondStamp = (d: Date) => minuteStamp(d).replace(/Z$/, `${pad(d.getUTCSeconds())}Z`);
const randomSuffix = () => [...randomBytes(16)].map((b) => ALNUM[b % ALNUM.length]).join('');

export async function exportAuditTrail(store: AuditStore, outDir: string, filter: { account?: string; region?: string } = {}): Promise<ExportReport> {
  const report: ExportReport = { files: [], records: 0, digests: 0 };
  const write = (path: string, text: string) => {
    const full = join(outDir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, gzipSync(Buffer.from(text, 'utf8')), { flag: 'wx' });
    report.files.push(path);
  };
  for (const { account, region, writer = '' } of await store.chains()) {
    if ((filter.account && filter.account !== account) || (filter.region && filter.region !== region)) continue;
    let batch: StoredAuditEvent[] = [];
    let window = -1;
    const flush = () => {
      if (batch.length === 0) return;
      const end = new Date((window + 1) * WINDOW_MS);
      const name = `${account}_CloudTrail_${region}_${minuteStamp(end)}_${randomSuffix()}.json.gz`;
      write(join('AWSLogs', account, 'CloudTrail', region, datePath(end), name), `{"Records":[${batch.map((e) => e.record).join(',')}]}`);
      report.records += batch.length;
      batch = [];
    };
    for (let after = Number.MIN_SAFE_INTEGER; ;) {
      const page = await store.chainPage(account, region, after, 5000, writer);
      for (const e of page) {
        const w = Math.floor(e.eventTime.getTime() / WINDOW_MS);
        if (w !== window || batch.length >= MAX_RECORDS_PER_FILE) (flush(), (window = w));
        batch.push(e);
      }
      if (page.length < 5000) break;
      after = page[page.length - 1].chainSeq;
    }
    flush();
    for (const d of await store.digests(account, region, writer)) {
      const body = JSON.parse(d.body) as DigestBody;
      const end = new Date(body.digestEndTime);
      // The trail-name part names the writer (`locksmith-worker-1`, a PostgreSQL node id) where several write, so their digests never share a name.
      const trail = writer ? `locksmith-${writer}` : 'locksmith';
      const base = join('AWSLogs', account, 'CloudTrail-Digest', region, datePath(end), `${account}_CloudTrail-Digest_${region}_${trail}_${region}_${secondStamp(end)}`);
      // Digests signed within the same second (on demand) get their number appended.
      const path = existsSync(join(outDir, `${base}.json.gz`)) ? `${base}_${d.digestSeq}.json.gz` : `${base}.json.gz`;
      write(path, JSON.stringify({ ...body, digestSequence: d.digestSeq, digestSignature: d.signature }));
      report.digests++;
    }
  }
  return report;
}
