/**
 * The layer rules of shared/DESIGN.md, checked on the import graph of src/ (type imports
 * included): dependencies point down — server → protocols → services → domain/policy/crypto/audit
 * → errors; store adapters implement the ports that services use; domain, policy and crypto import
 * nothing from server, protocols, services or store; errors import nothing from src. No cycles.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

/**
 * Which layers each layer may import (besides itself). A file's layer is the longest key that
 * prefixes its path under src/. Placement of the folders DESIGN.md does not put in the chain:
 * - util (clocks, keyed mutex) and model (the generated KMS model data) sit just above errors:
 *   plain tools and data every layer may use, knowing no AWS behaviour of their own.
 * - store (the ports: interfaces and record types) sits in the domain tier, so services, audit and
 *   auth can use them; store/sqlite and store/postgres (the adapters) implement them and is known only to the
 *   composition roots (server, seed, cli, index.ts).
 * - auth (SigV4, credentials) sits below services: the server authenticates with it and the IAM
 *   and STS services mint access keys and session tokens with it; it knows no service or protocol.
 *   The CallContext it produces is a domain type (domain/call-context.ts).
 * - domain, policy and crypto are one tier (DESIGN.md) and may import each other (the cycle check
 *   still holds); they do not import audit, which uses the store ports they must not see.
 * - seed applies a seed document through the services and store: a composition-level layer, used
 *   by server (first start), cli and index.ts.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  errors: [],
  util: ['errors'],
  model: ['errors', 'util'],
  crypto: ['domain', 'policy', 'model', 'errors', 'util'],
  domain: ['policy', 'crypto', 'model', 'errors', 'util'],
  policy: ['domain', 'crypto', 'model', 'errors', 'util'],
  store: ['domain', 'policy', 'crypto', 'model', 'errors', 'util'],
  audit: ['store', 'domain', 'policy', 'crypto', 'model', 'errors', 'util'],
  auth: ['store', 'domain', 'policy', 'crypto', 'model', 'errors', 'util'],
  services: ['auth', 'audit', 'store', 'domain', 'policy', 'crypto', 'model', 'errors', 'util'],
  // DESIGN.md: protocols only decode and encode; they never see Store or RootKeyring.
  protocols: ['services', 'auth', 'audit', 'domain', 'policy', 'model', 'errors', 'util'],
  'store/sqlite': ['store', 'audit', 'domain', 'policy', 'crypto', 'model', 'errors', 'util'],
  'store/postgres': ['store', 'audit', 'domain', 'policy', 'crypto', 'model', 'errors', 'util'],
  seed: ['services', 'auth', 'audit', 'store', 'store/sqlite', 'domain', 'policy', 'crypto', 'model', 'errors', 'util'],
  server: ['protocols', 'seed', 'services', 'auth', 'audit', 'store', 'store/sqlite', 'store/postgres', 'domain', 'policy', 'crypto', 'model', 'errors', 'util'],
  cli: ['server', 'protocols', 'seed', 'services', 'auth', 'audit', 'store', 'store/sqlite', 'store/postgres', 'domain', 'policy', 'crypto', 'model', 'errors', 'util'],
  'index.ts': ['server', 'protocols', 'seed', 'services', 'auth', 'audit', 'store', 'store/sqlite', 'store/postgres', 'domain', 'policy', 'crypto', 'model', 'errors', 'util'],
};

/** Arrows against the table that are not fixed yet: `from -> to`, paths under src/. */
const KNOWN_EXCEPTIONS: ReadonlySet<string> = new Set([]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(path) : e.name.endsWith('.ts') ? [path] : [];
  });
}

// Static `import`/`export … from` statements (type-only included, across lines) at the start of a
// line, side-effect imports, and dynamic `import('…')` anywhere.
const STATIC = /^\s*(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]/gm;
const BARE = /^\s*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The src/ files one file imports, as paths relative to src/. */
export function importsOf(file: string, text: string): string[] {
  const specifiers = [...text.matchAll(STATIC), ...text.matchAll(BARE), ...text.matchAll(DYNAMIC)].map((m) => m[1]!);
  return [...new Set(specifiers.filter((s) => s.startsWith('.')).map((s) => relative(SRC, resolve(dirname(file), s)).replace(/\.js$/, '.ts')))];
}

function layerOf(path: string): string {
  const layer = Object.keys(ALLOWED).filter((l) => path === l || path.startsWith(`${l}/`)).sort((a, b) => b.length - a.length)[0];
  assert.ok(layer, `src/${path} is in no layer of the table: add a row`);
  return layer;
}

const graph = new Map<string, string[]>();
for (const file of sourceFiles(SRC)) graph.set(relative(SRC, file), importsOf(file, readFileSync(file, 'utf8')));

test('the import scanner sees every form of import', () => {
  const text = [
    "import type { A } from './a.js';",
    "import {\n  B,\n  type C,\n} from '../b/c.js';",
    "export { D } from './d.js';",
    "export * from './e.js';",
    "import './f.js';",
    "const g = await import('./g.js');",
    "import { readFileSync } from 'node:fs';",
  ].join('\n');
  assert.deepEqual(importsOf(join(SRC, 'x/y.ts'), text).sort(), ['b/c.ts', 'x/a.ts', 'x/d.ts', 'x/e.ts', 'x/f.ts', 'x/g.ts']);
  assert.ok(graph.size > 100, `expected the whole of src/, found ${graph.size} files`);
  assert.ok((graph.get('protocols/aws-json.ts') ?? []).includes('errors/aws-error.ts'));
});

test('every import follows the direction of the layers (shared/DESIGN.md)', () => {
  const violations: string[] = [];
  const usedExceptions = new Set<string>();
  for (const [file, imports] of graph) {
    const from = layerOf(file);
    for (const target of imports) {
      if (!target.endsWith('.json')) assert.ok(graph.has(target), `src/${file} imports src/${target}, which does not exist`);
      const to = layerOf(target);
      if (to === from || ALLOWED[from]!.includes(to)) continue;
      const arrow = `${file} -> ${target}`;
      if (KNOWN_EXCEPTIONS.has(arrow)) usedExceptions.add(arrow);
      else violations.push(`${arrow} (${from} may not import ${to})`);
    }
  }
  assert.deepEqual(violations, [], `imports against the layers:\n${violations.join('\n')}`);
  const stale = [...KNOWN_EXCEPTIONS].filter((e) => !usedExceptions.has(e));
  assert.deepEqual(stale, [], 'known exceptions that no longer occur: remove them from the list');
});

test('errors import nothing from src/ but errors', () => {
  for (const [file, imports] of graph) {
    if (file.startsWith('errors/')) assert.deepEqual(imports.filter((t) => !t.startsWith('errors/')), [], file);
  }
});

/** Strongly connected components of more than one file (or a file importing itself): Tarjan. */
function cycles(g: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (g.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return found;
}

test('the cycle finder finds a cycle', () => {
  const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
  assert.deepEqual(cycles(g), [['a', 'b', 'c']]);
});

test('no import cycles in src/ (type imports included)', () => {
  const found = cycles(graph);
  assert.deepEqual(found, [], `import cycles:\n${found.map((c) => c.join(' <-> ')).join('\n')}`);
});
