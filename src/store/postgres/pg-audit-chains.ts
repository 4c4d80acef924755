import { GENESIS_HASH, linkHash } from '../../audit/hash-chain.js';
import type { AuditDigest, AuditStore, ChainHead, NewAuditEvent, StoredAuditEvent } from '../audit-ports.js';
import type { PgDatabase, PgQueries } from './pool.js';

interface EventRow {
  seq: number; account: string; region: string; writer: string; chain_seq: number; event_id: string; event_time: number; event_name: string;
  event_source: string; read_only: string; username: string | null; access_key_id: string | null; record: string; prev_hash: string; hash: string;
}

const toEvent = (r: EventRow): StoredAuditEvent => ({
  account: r.account, region: r.region, writer: r.writer, chainSeq: r.chain_seq, eventId: r.event_id, eventTime: new Date(r.event_time),
  eventName: r.event_name, eventSource: r.event_source, readOnly: r.read_only === 'true',
  ...(r.username === null ? {} : { username: r.username }),
  ...(r.access_key_id === null ? {} : { accessKeyId: r.access_key_id }),
  record: r.record, prevHash: r.prev_hash, hash: r.hash,
});

interface DigestRow { account: string; region: string; writer: string; digest_seq: number; created_at: number; body: string; signature: string }
const toDigest = (r: DigestRow): AuditDigest => ({
  account: r.account, region: r.region, ...(r.writer ? { writer: r.writer } : {}), digestSeq: r.digest_seq, createdAt: new Date(r.created_at),
  body: r.body, signature: r.signature,
});

const chainKey = (account: string, region: string) => `${account}\u0000${region}`;

const INSERT_INTENTS = `INSERT INTO audit_intents (request_id, account, region, event_time, record)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[])
  ON CONFLICT (request_id) DO UPDATE SET account = excluded.account, region = excluded.region, event_time = excluded.event_time, record = excluded.record`;

function intentParams(events: NewAuditEvent[]): unknown[] {
  const list = [...new Map(events.filter((e) => e.intentOf !== undefined).map((e) => [e.intentOf!, e])).values()];
  return [list.map((e) => e.intentOf), list.map((e) => e.account), list.map((e) => e.region), list.map((e) => e.eventTime.getTime()), list.map((e) => e.record)];
}

const chainsOf = (chained: NewAuditEvent[]) => [...new Set(chained.map((e) => chainKey(e.account, e.region)))].sort().map((c) => c.split('\u0000') as [string, string]);

/**
 * The statement that writes records linked after `heads` (which it moves to the new heads): the
 * records, their lookup rows, the intents they settle and the heads, in one statement
 * (data-modifying CTEs). With `expected` (a batch of one chain): only if that chain's head is still
 * the one given — a compare-and-set that writes nothing otherwise.
 */
function recordsStatement(writer: string, chained: NewAuditEvent[], heads: Map<string, ChainHead>, expected?: ChainHead): { sql: string; params: unknown[] } {
  const chains = chainsOf(chained);
  const rows = chained.map((e) => {
    const chain = chainKey(e.account, e.region);
    const prev = heads.get(chain)!;
    const next = { chainSeq: prev.chainSeq + 1, hash: linkHash(prev.hash, e.record) };
    heads.set(chain, next);
    return { e, chainSeq: next.chainSeq, prevHash: prev.hash, hash: next.hash };
  });
  const col = <T>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
  // Lookup rows name their record by (account, region, chain_seq): the statement joins them to the seq it assigned.
  const lookup = rows.flatMap((r) => r.e.resources.flatMap((res) => [
    [r.e.account, r.e.region, r.chainSeq, 'ResourceType', res.type, r.e.eventTime.getTime()],
    [r.e.account, r.e.region, r.chainSeq, 'ResourceName', res.name, r.e.eventTime.getTime()],
  ] as const));
  const final = chains.map(([a, r]) => heads.get(chainKey(a, r))!);
  const cas = expected !== undefined;
  const onlyIf = cas ? 'EXISTS (SELECT 1 FROM heads)' : 'true';
  const sql = `WITH heads AS (
      UPDATE audit_chains c SET chain_seq = v.s, hash = v.h FROM unnest($22::text[], $23::text[], $24::bigint[], $25::text[]) AS v(a, r, s, h)
      WHERE c.account = v.a AND c.region = v.r AND c.writer = $13${cas ? ' AND c.chain_seq = $26 AND c.hash = $27' : ''} RETURNING 1),
    ev AS (
      INSERT INTO audit_events (account, region, writer, chain_seq, event_id, event_time, event_name, event_source, read_only, username, access_key_id,
        record, prev_hash, hash)
      SELECT a, r, $13, c, i, t, n, s, ro, u, k, rec, p, h FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::text[],
        $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $14::text[]) AS v(a, r, c, i, t, n, s, ro, u, k, rec, p, h)
      WHERE ${onlyIf}
      RETURNING seq, account, region, chain_seq),
    lk AS (
      INSERT INTO audit_event_lookup (event_seq, account, region, kind, value, event_time)
      SELECT ev.seq, ev.account, ev.region, l.kind, l.value, l.t FROM ev JOIN unnest($15::text[], $16::text[], $17::bigint[], $18::text[], $19::text[], $20::bigint[])
        AS l(a, r, c, kind, value, t) ON ev.account = l.a AND ev.region = l.r AND ev.chain_seq = l.c
      ON CONFLICT DO NOTHING),
    settled AS (DELETE FROM audit_intents WHERE request_id = ANY($21::text[]) AND ${onlyIf})
    SELECT count(*) AS n FROM ev`;
  const params = [
    col((r) => r.e.account), col((r) => r.e.region), col((r) => r.chainSeq), col((r) => r.e.eventId), col((r) => r.e.eventTime.getTime()),
    col((r) => r.e.eventName), col((r) => r.e.eventSource), col((r) => String(r.e.readOnly)), col((r) => r.e.username ?? null),
    col((r) => r.e.accessKeyId ?? null), col((r) => r.e.record), col((r) => r.prevHash), writer, col((r) => r.hash),
    ...[0, 1, 2, 3, 4, 5].map((i) => lookup.map((l) => l[i])),
    chained.flatMap((e) => (e.settles === undefined ? [] : [e.settles])),
    chains.map((c) => c[0]), chains.map((c) => c[1]), final.map((h) => h.chainSeq), final.map((h) => h.hash),
    ...(cas ? [expected.chainSeq, expected.hash] : []),
  ];
  return { sql, params };
}

/**
 * One group commit of this node's records in a transaction, whatever the batch size: intents;
 * the node's own chain heads locked (FOR UPDATE, fixed order — only another process misconfigured
 * with the same node id could wait on them; a chain seen for the first time is created first);
 * the records statement. Every record links to the head before it; everything commits together
 * or not at all. Returns the new heads.
 */
async function appendBatch(tx: PgQueries, writer: string, events: NewAuditEvent[]): Promise<Map<string, ChainHead>> {
  if (events.some((e) => e.intentOf !== undefined)) await tx.run(INSERT_INTENTS, intentParams(events));
  const chained = events.filter((e) => e.intentOf === undefined);
  if (chained.length === 0) return new Map();
  const chains = chainsOf(chained);
  const accounts = chains.map((c) => c[0]);
  const regions = chains.map((c) => c[1]);
  const lockHeads = () => tx.rows<{ account: string; region: string; chain_seq: number; hash: string }>(`SELECT account, region, chain_seq, hash FROM audit_chains
    WHERE writer = $3 AND (account, region) IN (SELECT * FROM unnest($1::text[], $2::text[]))
    ORDER BY account COLLATE "C", region COLLATE "C" FOR UPDATE`, [accounts, regions, writer]);
  let locked = await lockHeads();
  if (locked.length < chains.length) {
    await tx.run(`INSERT INTO audit_chains (account, region, writer, chain_seq, hash) SELECT a, r, $3, 0, $4 FROM unnest($1::text[], $2::text[]) AS t(a, r)
      ON CONFLICT DO NOTHING`, [accounts, regions, writer, GENESIS_HASH]);
    locked = await lockHeads();
  }
  const heads = new Map<string, ChainHead>(locked.map((h) => [chainKey(h.account, h.region), { chainSeq: h.chain_seq, hash: h.hash }]));
  const { sql, params } = recordsStatement(writer, chained, heads);
  await tx.run(sql, params);
  return heads;
}

/**
 * The audit store of one node among several on one database: `base` (pg-audit.ts) for lookups,
 * intents and digest keys, and the chain methods per writer — appends go to this node's chains
 * (`writer`, its node id); reading, verifying and signing digests cover every node's chains.
 * A node is its chains' only writer, so it remembers their heads: a batch of one chain is then
 * one statement (compare-and-set on the head) instead of a transaction of four round trips; when
 * the head moved (another process with the same node id, an outcome lost with a connection), the
 * locking transaction writes the batch.
 */
export function withWriterChains(base: AuditStore, db: PgDatabase, writer: string): AuditStore {
  /** Heads of this node's chains as it last committed them (a hint: every use is checked). */
  const known = new Map<string, ChainHead>();
  return {
    ...base,
    async append(events) {
      if (events.length === 0) return;
      const chained = events.filter((e) => e.intentOf === undefined);
      // Intents alone: one statement, atomic by itself.
      if (chained.length === 0) return void (await db.run(INSERT_INTENTS, intentParams(events)));
      const chains = chainsOf(chained);
      const key = chainKey(...chains[0]!);
      const head = chains.length === 1 && chained.length === events.length ? known.get(key) : undefined;
      if (head) {
        // The usual batch: records of one chain whose head this node wrote last. One statement in
        // autocommit (one round trip, one commit), which writes only if the head is still that one.
        known.delete(key); // until the outcome is known
        const heads = new Map([[key, head]]);
        const { sql, params } = recordsStatement(writer, chained, heads, head);
        const n = (await db.one<{ n: number }>(sql, params))!.n;
        if (n === chained.length) return void known.set(key, heads.get(key)!);
      }
      for (const [k, h] of await db.transaction((tx) => appendBatch(tx, writer, events))) known.set(k, h);
    },
    async chains() {
      return db.rows<{ account: string; region: string; writer: string }>(`SELECT * FROM (SELECT account, region, writer FROM audit_chains WHERE chain_seq > 0
        UNION SELECT account, region, writer FROM audit_digests) c ORDER BY account COLLATE "C", region COLLATE "C", writer COLLATE "C"`);
    },
    async head(account, region, w = '') {
      const r = await db.one<{ chain_seq: number; hash: string }>(`SELECT chain_seq, hash FROM audit_chains WHERE account = $1 AND region = $2 AND writer = $3`,
        [account, region, w]);
      return r && r.chain_seq > 0 ? { chainSeq: r.chain_seq, hash: r.hash } : undefined;
    },
    async chainPage(account, region, after, limit, w = '') {
      return (await db.rows<EventRow>(`SELECT * FROM audit_events WHERE account = $1 AND region = $2 AND writer = $5 AND chain_seq > $3
        ORDER BY chain_seq LIMIT $4`, [account, region, after, limit, w])).map(toEvent);
    },
    async chainRange(account, region, from, to, w = '') {
      const r = (await db.one<{ n: number; oldest: number | null; newest: number | null }>(`SELECT COUNT(*) AS n, MIN(event_time) AS oldest,
        MAX(event_time) AS newest FROM audit_events WHERE account = $1 AND region = $2 AND writer = $5 AND chain_seq BETWEEN $3 AND $4`,
      [account, region, from, to, w]))!;
      return { count: r.n, ...(r.oldest === null ? {} : { oldest: new Date(r.oldest) }), ...(r.newest === null ? {} : { newest: new Date(r.newest) }) };
    },
    async appendDigest(d) {
      return (await db.run(`INSERT INTO audit_digests (account, region, writer, digest_seq, created_at, body, signature) VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT DO NOTHING`, [d.account, d.region, d.writer ?? '', d.digestSeq, d.createdAt.getTime(), d.body, d.signature])) > 0;
    },
    async digests(account, region, w = '') {
      return (await db.rows<DigestRow>(`SELECT * FROM audit_digests WHERE account = $1 AND region = $2 AND writer = $3 ORDER BY digest_seq`,
        [account, region, w])).map(toDigest);
    },
    async lastDigest(account, region, w = '') {
      const r = await db.one<DigestRow>(`SELECT * FROM audit_digests WHERE account = $1 AND region = $2 AND writer = $3 ORDER BY digest_seq DESC LIMIT 1`,
        [account, region, w]);
      return r && toDigest(r);
    },
  };
}
