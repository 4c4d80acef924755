/**
 * Bulk loads for the PostgreSQL scale benchmark, inside the database (INSERT … SELECT over
 * generate_series, no round trip per row): filler KMS keys copied from one real key, and filler
 * audit records. Fillers are never decrypted or verified — they are there so that indexes,
 * caches and plans work at the size the figures claim. The audit fillers form their own chain
 * (writer 'bulk') whose hashes are not real: `audit verify` on a bench database reports it.
 */
import pg from 'pg';

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** Copies the template key (and its materials) `count` times under fresh key ids, in batches. */
export async function bulkLoadKeys(url: string, template: { account: string; region: string; keyId: string }, count: number, log: (s: string) => void): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const t0 = performance.now();
  try {
    await c.query('SET synchronous_commit = off');
    await c.query('SET statement_timeout = 0');
    const batch = 100_000;
    for (let done = 0; done < count; done += batch) {
      const n = Math.min(batch, count - done);
      await c.query(`WITH tpl AS (SELECT * FROM kms_keys WHERE account = $1 AND region = $2 AND key_id = $3),
        ids AS (SELECT gen_random_uuid()::text AS k FROM generate_series(1, $4)),
        keys AS (
          INSERT INTO kms_keys (account, region, key_id, arn, creation_date, description, key_usage, key_spec, origin, key_manager, multi_region,
            state, policy, current_material_id)
          SELECT t.account, t.region, ids.k, replace(t.arn, t.key_id, ids.k), t.creation_date, 'bulk', t.key_usage, t.key_spec, t.origin,
            t.key_manager, t.multi_region, t.state, t.policy, t.current_material_id FROM tpl t, ids
          RETURNING key_id)
        INSERT INTO key_materials (account, region, key_id, material_id, created_at, wrapped)
        SELECT m.account, m.region, keys.key_id, m.material_id, m.created_at, m.wrapped FROM keys, key_materials m
          WHERE m.account = $1 AND m.region = $2 AND m.key_id = $3`, [template.account, template.region, template.keyId, n]);
      if ((done / batch) % 5 === 4) log(`  keys: ${done + n} of ${count} (${seconds(t0).toFixed(0)} s)`);
    }
    await c.query('ANALYZE kms_keys');
    await c.query('ANALYZE key_materials');
  } finally {
    await c.end();
  }
  return seconds(t0);
}

const EVENT_NAMES = ['Decrypt', 'Encrypt', 'GenerateDataKey', 'DescribeKey', 'ReEncrypt', 'ListKeys', 'CreateKey', 'Sign', 'GenerateMac', 'CreateGrant'];

/**
 * `count` audit records of one account and region spread over `days` days before `end`, ten event
 * names, a hundred users and a thousand key ARNs (ResourceName rows). The audit tables' secondary
 * indexes are dropped during the load and rebuilt after (as a restore would), which PostgreSQL
 * does far faster than maintaining them row by row.
 */
export async function bulkLoadAudit(url: string, o: { account: string; region: string; count: number; days: number; end: Date }, log: (s: string) => void): Promise<{ loadS: number; indexS: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    // Records already loaded (an earlier run on a kept cluster): only the rest is loaded.
    const { rows: [have] } = await c.query<{ n: string }>(`SELECT coalesce(max(chain_seq), 0) AS n FROM audit_events
      WHERE account = $1 AND region = $2 AND writer = 'bulk'`, [o.account, o.region]);
    const from = Number(have!.n);
    if (from >= o.count) return { loadS: 0, indexS: 0 };
    await c.query('SET synchronous_commit = off');
    await c.query(`SET maintenance_work_mem = '512MB'`);
    await c.query('SET statement_timeout = 0');
    const { rows: indexes } = await c.query<{ name: string; def: string }>(`SELECT indexname AS name, indexdef AS def FROM pg_indexes
      WHERE tablename IN ('audit_events', 'audit_event_lookup') AND indexname NOT LIKE '%pkey' AND indexname <> 'audit_events_chain'`);
    for (const i of indexes) await c.query(`DROP INDEX ${i.name}`);
    // The lookup table's primary key is its main index (random values): rebuilt after, too.
    const { rows: [pkey] } = await c.query<{ def: string }>(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'audit_event_lookup_pkey'`);
    if (pkey) await c.query('ALTER TABLE audit_event_lookup DROP CONSTRAINT audit_event_lookup_pkey');
    const t0 = performance.now();
    const span = o.days * 86_400_000;
    const batch = 500_000;
    for (let done = from; done < o.count; done += batch) {
      const n = Math.min(batch, o.count - done);
      await c.query(`WITH ev AS (
          INSERT INTO audit_events (account, region, writer, chain_seq, event_id, event_time, event_name, event_source, read_only, username,
            access_key_id, record, prev_hash, hash)
          SELECT $1, $2, 'bulk', $3 + i, gen_random_uuid()::text, (($4::bigint - ($5::bigint * ($3 + i)) / $6::bigint) / 1000) * 1000,
            ($7::text[])[1 + i % 10], 'kms.amazonaws.com', 'false', 'user' || (i % 100), 'AKIABULK' || lpad((i % 100)::text, 12, '0'),
            '{"bulk":' || i || '}', repeat('0', 64), repeat('0', 64)
          FROM generate_series(1, $8) AS i
          RETURNING seq, event_time, chain_seq)
        INSERT INTO audit_event_lookup (event_seq, account, region, kind, value, event_time)
        SELECT seq, $1, $2, k.kind, CASE k.kind WHEN 'ResourceType' THEN 'AWS::KMS::Key'
            ELSE 'arn:aws:kms:' || $2 || ':' || $1 || ':key/bulk-' || (chain_seq % 1000) END, event_time
        FROM ev, (VALUES ('ResourceType'), ('ResourceName')) AS k(kind)`,
      [o.account, o.region, done, o.end.getTime(), span, o.count, EVENT_NAMES, n]);
      log(`  audit records: ${done + n} of ${o.count} (${seconds(t0).toFixed(0)} s)`);
    }
    const loadS = seconds(t0);
    const t1 = performance.now();
    if (pkey) await c.query(`ALTER TABLE audit_event_lookup ADD CONSTRAINT audit_event_lookup_pkey ${pkey.def}`);
    for (const i of indexes) await c.query(i.def);
    await c.query('ANALYZE audit_events');
    await c.query('ANALYZE audit_event_lookup');
    return { loadS, indexS: seconds(t1) };
  } finally {
    await c.end();
  }
}
