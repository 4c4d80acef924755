/**
 * No module-level mutable cache state in src/ (issue 12, item 5; shared/DESIGN.md: caches are
 * instances created by the composition root, never module globals). A top-level `let`/`var`, an
 * empty `new Map()`/`Set`/`WeakMap`/`WeakSet` filled later, an empty `{}`/`[]`, a `new …Cache(`
 * or a `Buffer.alloc*` at module level is state that two servers in one process would share; each
 * one that remains is listed here with why it is not a cache of request data.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

const MODULE_STATE = [
  /^(?:export )?(?:let|var) ([A-Za-z_$][\w$]*)/,
  /^(?:export )?const ([A-Za-z_$][\w$]*)[^=]*= new (?:Map|Set|WeakMap|WeakSet)\b[^(]*\(\)/,
  /^(?:export )?const ([A-Za-z_$][\w$]*)[^=]*= (?:\{\}|\[\]);/,
  /^(?:export )?const ([A-Za-z_$][\w$]*)[^=]*= new [A-Za-z]*Cache\(/,
  /^(?:export )?const ([A-Za-z_$][\w$]*)[^=]*= Buffer\.(?:alloc|allocUnsafe|allocUnsafeSlow)\(/,
];

/** `file:name` → why it is allowed (derived from code or the static model, never from requests). */
const ALLOWED: Readonly<Record<string, string>> = {
  'model/shape-rules.ts:patternCache': "compiled regular expressions of the KMS model's fixed patterns",
  'model/shape-input.ts:readers': 'input readers compiled once per model shape',
  'model/shape-output.ts:writers': 'output writers compiled once per model shape',
  'services/kms/kms-authorizer.ts:readsOfPolicy': 'a WeakMap memo of a pure function of a parsed policy object (no entry outlives the parsed policy; nothing secret)',
  'audit/redact.ts:recordedMemberLists': 'per model shape, the members a record keeps',
  'policy/conditions.ts:OPERATORS': 'the condition operator table, filled when the module loads',
  'crypto/rsa-pss-digest.ts:forgeModules': 'a lazily loaded library',
  'crypto/crc32-fast.ts:crc32cTables': 'lookup tables computed once',
  'crypto/crc32-fast.ts:crc32Tables': 'lookup tables computed once',
  'cli/envelope/one-message.ts:pendingTempFiles': 'temporary files of this CLI run, removed on exit (one command per process)',
  'crypto/hash-thread.ts:blocks': "a worker thread's entry module: its state is that thread's own (one HashThreads instance starts and terminates it)",
  'crypto/hash-thread.ts:sessions': "a worker thread's entry module: its state is that thread's own",
  'crypto/hash-thread.ts:failedSessions': "a worker thread's entry module: its state is that thread's own",
  'services/kms/import-expiry.ts:inFlightByStore': 'expiries in flight, keyed by the key store instance that owns them',
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

test('src/ holds no module-level mutable state outside the reasoned allowlist', () => {
  const found = new Set<string>();
  for (const file of sources(SRC)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      for (const pattern of MODULE_STATE) {
        const m = pattern.exec(line);
        if (m) found.add(`${relative(SRC, file)}:${m[1]}`);
      }
    }
  }
  const unexpected = [...found].filter((f) => !(f in ALLOWED));
  assert.deepEqual(unexpected, [], 'module-level state: make it an instance owned by the composition root (or list it here with a reason)');
  const stale = Object.keys(ALLOWED).filter((f) => !found.has(f));
  assert.deepEqual(stale, [], 'allowlist entries that no longer exist');
});

test('the detector sees the forms it looks for', () => {
  const hits = ['let lastAmzDate = 1;', 'const parsedKeys = new Map<string, KeyObject>();', 'export const pool = Buffer.allocUnsafeSlow(4096);', 'const shared = new SigningKeyCache(1000);', 'const seen: Record<string, 1> = {};'];
  for (const line of hits) assert.ok(MODULE_STATE.some((p) => p.test(line)), line);
  const constants = ["const TYPES = new Set(['AWS', 'Service']);", 'export const X: ReadonlyMap<string, number> = new Map(entries);', '  let local = 0;'];
  for (const line of constants) assert.ok(!MODULE_STATE.some((p) => p.test(line)), line);
});
