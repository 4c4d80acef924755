import { isKeyId } from '../domain/arn.js';
import { MAX_TAGS_PER_KEY } from '../domain/tags.js';
import { enumValues } from '../model/kms-model.js';
import { principalAccount } from '../services/kms/create-grant.js';
import { CONTEXT_OPERATIONS } from '../services/kms/grant-evaluation.js';
import type { GrantConstraints } from '../store/grant-ports.js';
import { seededGrantId } from './seed-ids.js';
import { policyDocument, REGION } from './seed-schema-policy.js';
import { Issues, field, item, list, mapping, string, stringMap, unique, type Occurrence, type StringRule } from './seed-reader.js';
import type { SeedGrant, SeedKey } from './seed-types.js';

/** KMS keys and grants of a seed account (AWS KMS Developer Guide: "Key ID", "Aliases", "Tags", "Grants"). */

const MATERIAL_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** AliasNameType in the KMS model, with the alias/ prefix. */
const ALIAS_NAME = /^alias\/[a-zA-Z0-9:/_-]+$/;
/** GrantNameType in the KMS model. */
const GRANT_NAME = /^[a-zA-Z0-9:/_-]+$/;
const KEY_ARN = /^arn:aws:kms:([^:]+):(\d{12}):key\/(.+)$/;
/**
 * Grant operations a symmetric encryption key accepts (as CreateGrant checks them); the signing,
 * MAC, public-key and key-agreement ones belong to other key types.
 */
const SYMMETRIC_GRANT_OPERATIONS = new Set(['CreateGrant', 'RetireGrant', 'DescribeKey', ...CONTEXT_OPERATIONS]);
/** "Each grant constraint value can include up to 8 encryption context pairs … cannot exceed 384 characters." */
const MAX_CONSTRAINT_PAIRS = 8;
const MAX_CONSTRAINT_CHARS = 384;
const TAG_KEY: StringRule = { max: 128 };
const TAG_VALUE: StringRule = { min: 0, max: 256 };

export function readKeys(issues: Issues, v: unknown, path: string, defaultRegion: string | undefined): SeedKey[] {
  const out: SeedKey[] = [];
  const ids: Occurrence[] = [];
  const aliases: Occurrence[] = [];
  list(issues, v, path).forEach((entry, i) => {
    const p = item(path, i);
    const k = mapping(issues, entry, p, ['id', 'region', 'description', 'material', 'policy', 'aliases', 'tags']);
    if (!k) return;
    const id = string(issues, k.id, field(p, 'id'), {
      pattern: /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/,
      expected: 'a key id: a lowercase UUID, or mrk- followed by 32 lowercase hex digits',
    });
    const region = k.region !== undefined
      ? string(issues, k.region, field(p, 'region'), { max: 32, pattern: REGION, expected: 'a region name such as us-east-1' })
      : defaultRegion ?? issues.add(field(p, 'region'), 'is required (or set a top-level region)');
    ids.push({ value: id, path: field(p, 'id') });
    // Repeats within one key's list are reported by readAliases; here each name counts once per key.
    const aliasNames = readAliases(issues, k.aliases, field(p, 'aliases')).filter((a, j, all) => all.findIndex((b) => b.value === a.value) === j);
    for (const a of aliasNames) aliases.push({ value: `${region} ${a.value}`, path: a.path });
    out.push({
      id: id ?? '',
      region: region ?? '',
      description: string(issues, k.description, field(p, 'description'), { required: false, min: 0, max: 8192 }) ?? '',
      material: k.material === undefined ? undefined : material(issues, k.material, field(p, 'material')),
      policy: k.policy === undefined ? undefined : policyDocument(issues, k.policy, field(p, 'policy'), 'key'),
      aliases: aliasNames.map((a) => a.value!),
      tags: readTags(issues, k.tags, field(p, 'tags')),
    });
  });
  unique(issues, ids, 'key id');
  unique(issues, aliases, 'alias (region and name)');
  return out;
}

function material(issues: Issues, v: unknown, path: string): Buffer | undefined {
  const problem = `must be base64 of ${MATERIAL_BYTES} bytes`;
  if (typeof v !== 'string') return issues.add(path, problem);
  const text = v.replace(/\s+/g, '');
  const bytes = Buffer.from(text, 'base64');
  if (!BASE64.test(text) || bytes.length !== MATERIAL_BYTES || bytes.toString('base64') !== text) {
    return issues.add(path, problem);
  }
  return bytes;
}

/** Valid alias names with their paths; repeats within the list are reported. */
function readAliases(issues: Issues, v: unknown, path: string): Occurrence[] {
  const out: Occurrence[] = [];
  list(issues, v, path).forEach((entry, i) => {
    const p = item(path, i);
    const name = string(issues, entry, p, { max: 256 });
    if (name === undefined) return;
    if (!name.startsWith('alias/')) issues.add(p, 'must start with alias/');
    else if (name.startsWith('alias/aws/')) issues.add(p, 'alias/aws/ is reserved for AWS managed keys');
    else if (!ALIAS_NAME.test(name)) issues.add(p, 'must be alias/ followed by letters, digits and :/_-');
    else out.push({ value: name, path: p });
  });
  unique(issues, out, 'alias');
  return out;
}

function readTags(issues: Issues, v: unknown, path: string): Record<string, string> {
  const tags = stringMap(issues, v, path, TAG_KEY, TAG_VALUE) ?? {};
  for (const k of Object.keys(tags)) {
    // KMS reserves the aws: prefix (AWS KMS Developer Guide, "Tagging keys").
    if (k.toLowerCase().startsWith('aws:')) issues.add(field(path, k), 'tag keys beginning with aws: are reserved');
  }
  if (Object.keys(tags).length > MAX_TAGS_PER_KEY) issues.add(path, `at most ${MAX_TAGS_PER_KEY} tags per key`);
  return tags;
}

/** Grants of one account; each names one of the account's seeded keys by id or key ARN. */
export function readGrants(issues: Issues, v: unknown, path: string, account: string, keys: SeedKey[], keysPath: string): SeedGrant[] {
  const out: SeedGrant[] = [];
  const ids: Occurrence[] = [];
  const known = new Set(enumValues('GrantOperation'));
  list(issues, v, path).forEach((entry, i) => {
    const p = item(path, i);
    const g = mapping(issues, entry, p, ['keyId', 'name', 'granteePrincipal', 'retiringPrincipal', 'operations', 'constraints']);
    if (!g) return;
    const keyRef = string(issues, g.keyId, field(p, 'keyId'));
    let key: SeedKey | undefined;
    if (keyRef !== undefined) {
      const arn = KEY_ARN.exec(keyRef);
      const id = arn ? arn[3] : keyRef;
      key = keys.find((k) => k.id === id && (!arn || (k.region === arn[1] && arn[2] === account)));
      if (!key) {
        issues.add(field(p, 'keyId'), isKeyId(id) || arn ? `names no key in ${keysPath}` : 'must be the id or key ARN of a key in this account');
      }
    }
    const operations: string[] = [];
    const seenOps: Occurrence[] = [];
    const rawOps = list(issues, g.operations, field(p, 'operations'));
    if (g.operations === undefined || g.operations === null) issues.add(field(p, 'operations'), 'is required');
    else if (Array.isArray(g.operations) && rawOps.length === 0) issues.add(field(p, 'operations'), 'must not be empty');
    rawOps.forEach((op, j) => {
      const q = item(field(p, 'operations'), j);
      const name = string(issues, op, q);
      if (name === undefined) return;
      if (!known.has(name)) issues.add(q, `unknown grant operation '${name}' (expected one of: ${[...known].join(', ')})`);
      else if (!SYMMETRIC_GRANT_OPERATIONS.has(name)) issues.add(q, `grant operation '${name}' is not valid for a symmetric encryption KMS key`);
      else {
        seenOps.push({ value: name, path: q });
        if (!operations.includes(name)) operations.push(name);
      }
    });
    unique(issues, seenOps, 'grant operation');
    if (operations.length > 0 && operations.every((op) => op === 'CreateGrant')) {
      issues.add(field(p, 'operations'), 'must not contain only the CreateGrant operation');
    }
    const grant: SeedGrant = {
      keyId: key?.id ?? '',
      region: key?.region ?? '',
      name: string(issues, g.name, field(p, 'name'), { required: false, max: 256, pattern: GRANT_NAME, expected: 'a grant name of letters, digits and :/_-' }),
      granteePrincipal: principal(issues, g.granteePrincipal, field(p, 'granteePrincipal'), true) ?? '',
      retiringPrincipal: principal(issues, g.retiringPrincipal, field(p, 'retiringPrincipal'), false),
      operations,
      constraints: constraints(issues, g.constraints, field(p, 'constraints')),
    };
    if (grant.name === undefined) delete grant.name;
    if (grant.retiringPrincipal === undefined) delete grant.retiringPrincipal;
    if (grant.constraints === undefined) delete grant.constraints;
    out.push(grant);
    ids.push({ value: grant.keyId ? seededGrantId(account, grant) : undefined, path: p });
  });
  unique(issues, ids, 'grant (same key, grantee, operations, name and constraints) with id');
  return out;
}

/** Grants name accounts, IAM users and roles, assumed-role sessions or federated users by ARN (as CreateGrant). */
function principal(issues: Issues, v: unknown, path: string, required: boolean): string | undefined {
  const arn = string(issues, v, path, { required, max: 256 });
  if (arn === undefined || principalAccount(arn) !== undefined) return arn;
  return issues.add(path, 'must be the ARN of an account (…:root), IAM user, IAM role, assumed-role session or federated user');
}

function constraints(issues: Issues, v: unknown, path: string): GrantConstraints | undefined {
  if (v === undefined || v === null) return undefined;
  const c = mapping(issues, v, path, ['encryptionContextEquals', 'encryptionContextSubset']);
  if (!c) return undefined;
  const out: GrantConstraints = {};
  const rule: StringRule = { min: 1 };
  for (const [name, member] of [['encryptionContextEquals', 'EncryptionContextEquals'], ['encryptionContextSubset', 'EncryptionContextSubset']] as const) {
    if (c[name] === undefined) continue;
    const pairs = stringMap(issues, c[name], field(path, name), rule, rule);
    if (!pairs) continue;
    const entries = Object.entries(pairs);
    if (entries.length > MAX_CONSTRAINT_PAIRS) issues.add(field(path, name), `at most ${MAX_CONSTRAINT_PAIRS} encryption context pairs`);
    else if (entries.reduce((n, [k, x]) => n + k.length + x.length, 0) > MAX_CONSTRAINT_CHARS) {
      issues.add(field(path, name), `at most ${MAX_CONSTRAINT_CHARS} characters of keys and values`);
    } else out[member] = pairs;
  }
  if (Object.keys(c).length === 0) return issues.add(path, 'must set encryptionContextEquals or encryptionContextSubset');
  return Object.keys(out).length > 0 ? out : undefined;
}
