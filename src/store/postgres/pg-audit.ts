import { GENESIS_HASH, linkHash } from '../../audit/hash-chain.js';
import type { AuditLookup, AuditStore, ChainHead, NewAuditEvent, StoredIntent } from '../audit-ports.js';
import type { PgDatabase, PgQueries } from './pool.js';
import { COLUMNS, toDigest, toEvent, toKey, type DigestRow, type EventRow, type KeyRow } from '../audit-rows.js';

const chainId = (account: string, region: string) => `${account}\u0000${region}`;

/**
 * One append: intents stored apart, records linked to the head of their chain. The heads of the
 * chains touched are locked first (SELECT … FOR UPDATE, in one fixed order so two appenders never
 * deadlock), so two writers of one chain — processes or nodes — take turns, and each record links
 * to the one committed before it. Everything commits together or not at all.
 */
async function appendOn(tx: PgQueries, events: NewAuditEvent[]): Promise<void> {
  const chained = events.filter((e) => e.intentOf === undefined);
  const chains = [...new Set(chained.map((e) => chainId(e.account, e.region)))].sort();
  const heads = new Map<string, ChainHead>();
  for (const chain of chains) {
    const [account, region] = chain.split('\u0000') as [string, string];
    await tx.run(`INSERT INTO audit_chains (account, region, chain_seq, hash) VALUES ($1, $2, 0, $3) ON CONFLICT DO NOTHING`, [account, region, GENESIS_HASH]);
    const h = (await tx.one<{ chain_seq: number; hash: string }>(`SELECT chain_seq, hash FROM audit_chains WHERE account = $1 AND region = $2 FOR UPDATE`,
      [account, region]))!;
    heads.set(chain, { chainSeq: h.chain_seq, hash: h.hash });
  }
  for (const e of events) {
    if (e.intentOf !== undefined) {
      await tx.run(`INSERT INTO audit_intents (request_id, account, region, event_time, record) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (request_id) DO UPDATE SET account = excluded.account, region = excluded.region, event_time = excluded.event_time, record = excluded.record`,
      [e.intentOf, e.account, e.region, e.eventTime.getTime(), e.record]);
      continue;
    }
    if (e.settles !== undefined) await tx.run(`DELETE FROM audit_intents WHERE request_id = $1`, [e.settles]);
    const chain = chainId(e.account, e.region);
    const prev = heads.get(chain)!;
    const hash = linkHash(prev.hash, e.record);
    const time = e.eventTime.getTime();
    const { seq } = (await tx.one<{ seq: number }>(`INSERT INTO audit_events (account, region, chain_seq, event_id, event_time, event_name, event_source,
        read_only, username, access_key_id, record, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING seq`,
    [e.account, e.region, prev.chainSeq + 1, e.eventId, time, e.eventName, e.eventSource, String(e.readOnly), e.username ?? null,
      e.accessKeyId ?? null, e.record, prev.hash, hash]))!;
    for (const r of e.resources) {
      await tx.run(`INSERT INTO audit_event_lookup (event_seq, account, region, kind, value, event_time) VALUES ($1, $2, $3, 'ResourceType', $4, $5),
        ($1, $2, $3, 'ResourceName', $6, $5) ON CONFLICT DO NOTHING`, [seq, e.account, e.region, r.type, time, r.name]);
    }
    heads.set(chain, { chainSeq: prev.chainSeq + 1, hash });
  }
  for (const chain of chains) {
    const [account, region] = chain.split('\u0000') as [string, string];
    const h = heads.get(chain)!;
    await tx.run(`UPDATE audit_chains SET chain_seq = $3, hash = $4 WHERE account = $1 AND region = $2`, [account, region, h.chainSeq, h.hash]);
  }
}

/** One statement per filter shape; each reads one index range, newest first. */
function lookupStatement(q: AuditLookup): { sql: string; args: unknown[] } {
  const key = q.attribute?.key;
  const column = key && COLUMNS[key];
  const joined = key !== undefined && column === undefined;
  const t = joined ? 'l' : 'e';
  const args: unknown[] = [];
  const p = (v: unknown) => `$${args.push(v)}`;
  const where = [`${t}.account = ${p(q.account)}`, `${t}.region = ${p(q.region)}`];
  if (joined) where.push(`l.kind = ${p(key)}`, `l.value = ${p(q.attribute!.value)}`);
  else if (column) where.push(`e.${column} = ${p(q.attribute!.value)}`);
  if (q.startTime) where.push(`${t}.event_time >= ${p(q.startTime.getTime())}`);
  if (q.endTime) where.push(`${t}.event_time <= ${p(q.endTime.getTime())}`);
  const seq = joined ? 'l.event_seq' : 'e.seq';
  if (q.after) where.push(`(${t}.event_time, ${seq}) < (${p(q.after.time)}, ${p(q.after.seq)})`);
  const from = joined ? 'audit_event_lookup l JOIN audit_events e ON e.seq = l.event_seq' : 'audit_events e';
  const sql = `SELECT e.* FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${t}.event_time DESC, ${seq} DESC LIMIT ${p(q.limit + 1)}`;
  return { sql, args };
}

export function pgAuditStore(db: PgDatabase): AuditStore {
  const storedHead = async (account: string, region: string): Promise<ChainHead | undefined> => {
    const r = await db.one<{ chain_seq: number; hash: string }>(`SELECT chain_seq, hash FROM audit_chains WHERE account = $1 AND region = $2`, [account, region]);
    return r && r.chain_seq > 0 ? { chainSeq: r.chain_seq, hash: r.hash } : undefined;
  };
  return {
    async append(events) {
      if (events.length > 0) await db.transaction((tx) => appendOn(tx, events));
    },
    async lookup(q) {
      const { sql, args } = lookupStatement(q);
      const rows = await db.rows<EventRow>(sql, args);
      const more = rows.length > q.limit;
      if (more) rows.length = q.limit;
      const last = rows[rows.length - 1];
      return { events: rows.map(toEvent), ...(more && last ? { next: { time: last.event_time, seq: last.seq } } : {}) };
    },
    async unsettledIntents(before) {
      const rows = await db.rows<{ request_id: string; account: string; region: string; event_time: number; record: string }>(
        `SELECT * FROM audit_intents WHERE event_time < $1 ORDER BY event_time, request_id`, [before.getTime()]);
      return rows.map((r): StoredIntent => ({ requestId: r.request_id, account: r.account, region: r.region, eventTime: new Date(r.event_time), record: r.record }));
    },
    async lastKeyUsage(account, region, keyArn, eventNames) {
      // Walks the key's ResourceName index newest first and stops at the first match.
      const r = await db.one<EventRow>(`SELECT e.* FROM audit_event_lookup l JOIN audit_events e ON e.seq = l.event_seq
        WHERE l.account = $1 AND l.region = $2 AND l.kind = 'ResourceName' AND l.value = $3
          AND e.event_name = ANY($4::text[]) AND (e.record::json ->> 'errorCode') IS NULL
        ORDER BY l.event_time DESC, l.event_seq DESC LIMIT 1`, [account, region, keyArn, [...eventNames]]);
      return r && toEvent(r);
    },
    async chains() {
      return db.rows<{ account: string; region: string }>(`SELECT account, region FROM (SELECT account, region FROM audit_chains WHERE chain_seq > 0
        UNION SELECT account, region FROM audit_digests) c ORDER BY account COLLATE "C", region COLLATE "C"`);
    },
    head: storedHead,
    async chainPage(account, region, after, limit) {
      return (await db.rows<EventRow>(`SELECT * FROM audit_events WHERE account = $1 AND region = $2 AND chain_seq > $3 ORDER BY chain_seq LIMIT $4`,
        [account, region, after, limit])).map(toEvent);
    },
    async chainRange(account, region, from, to) {
      const r = (await db.one<{ n: number; oldest: number | null; newest: number | null }>(`SELECT COUNT(*) AS n, MIN(event_time) AS oldest,
        MAX(event_time) AS newest FROM audit_events WHERE account = $1 AND region = $2 AND chain_seq BETWEEN $3 AND $4`, [account, region, from, to]))!;
      return { count: r.n, ...(r.oldest === null ? {} : { oldest: new Date(r.oldest) }), ...(r.newest === null ? {} : { newest: new Date(r.newest) }) };
    },
    async ensureDigestKey(k) {
      await db.run(`INSERT INTO audit_digest_keys (region, fingerprint, public_key, wrapped_private_key, created_at) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT DO NOTHING`, [k.region, k.fingerprint, k.publicKey, k.wrappedPrivateKey, k.createdAt.getTime()]);
      return toKey((await db.one<KeyRow>(`SELECT * FROM audit_digest_keys WHERE region = $1`, [k.region]))!);
    },
    async digestKey(region) {
      const r = await db.one<KeyRow>(`SELECT * FROM audit_digest_keys WHERE region = $1`, [region]);
      return r && toKey(r);
    },
    async appendDigest(d) {
      return (await db.run(`INSERT INTO audit_digests (account, region, digest_seq, created_at, body, signature) VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT DO NOTHING`, [d.account, d.region, d.digestSeq, d.createdAt.getTime(), d.body, d.signature])) > 0;
    },
    async digests(account, region) {
      return (await db.rows<DigestRow>(`SELECT * FROM audit_digests WHERE account = $1 AND region = $2 ORDER BY digest_seq`, [account, region])).map(toDigest);
    },
    async lastDigest(account, region) {
      const r = await db.one<DigestRow>(`SELECT * FROM audit_digests WHERE account = $1 AND region = $2 ORDER BY digest_seq DESC LIMIT 1`, [account, region]);
      return r && toDigest(r);
    },
  };
}
