import { parse as parseYaml } from 'yaml';
import { policySize } from '../services/iam/policy-documents.js';
import { readGrants, readKeys } from './seed-schema-keys.js';
import { policyDocument, REGION } from './seed-schema-policy.js';
import { Issues, SeedError, field, integer, isMapping, item, list, mapping, string, unique, type Occurrence } from './seed-reader.js';
import type { Seed, SeedAccessKey, SeedAccount, SeedPolicy, SeedRole, SeedUser } from './seed-types.js';

export { SeedConflictError, SeedError, type SeedIssue } from './seed-reader.js';

/**
 * The seed file format (README "Seed file"). YAML or JSON (JSON is YAML). Every problem is
 * reported under the path of the value it concerns, all at once, in a SeedError.
 */

const ACCOUNT_ID = /^\d{12}$/;
const ACCESS_KEY_ID = /^AKIA[A-Z0-9]{16}$/;
/** IAM User Guide, "IAM object quotas" and the IAM API's userNameType/roleNameType/policyNameType. */
const IAM_NAME = /^[\w+=,.@-]+$/;
const IAM_PATH = /^\/([\x21-\x7E]*\/)?$/;
export const SEED_VERSION = 1;

/** Parses seed text (YAML or JSON) and validates it. `source` names the file in errors. */
export function parseSeed(text: string, source?: string): Seed {
  let data: unknown;
  try {
    data = parseYaml(text, { uniqueKeys: true, maxAliasCount: 1000 });
  } catch (e) {
    throw new SeedError([{ path: '(syntax)', message: (e as Error).message.trim() }], source);
  }
  return validateSeed(data, source);
}

/** Validates already-parsed seed data (e.g. an object built in code). */
export function validateSeed(data: unknown, source?: string): Seed {
  const issues = new Issues();
  const top = mapping(issues, data ?? {}, '', ['version', 'region', 'accounts']);
  let accounts: SeedAccount[] = [];
  if (top) {
    if (top.version !== undefined && top.version !== SEED_VERSION) issues.add('version', `must be ${SEED_VERSION}`);
    const region = string(issues, top.region, 'region', { required: false, max: 32, pattern: REGION, expected: 'a region name such as us-east-1' });
    accounts = readAccounts(issues, top.accounts, region);
  }
  if (issues.list.length > 0) throw new SeedError(issues.list, source);
  return { accounts };
}

function readAccounts(issues: Issues, v: unknown, defaultRegion: string | undefined): SeedAccount[] {
  const accounts: SeedAccount[] = [];
  const raw = list(issues, v, 'accounts');
  raw.forEach((entry, i) => {
    const path = item('accounts', i);
    const a = mapping(issues, entry, path, ['id', 'rootAccessKeys', 'users', 'roles', 'keys', 'grants']);
    if (!a) return;
    const id = string(issues, a.id, field(path, 'id'), { pattern: ACCOUNT_ID, expected: 'an account id of 12 digits' }) ?? '';
    const keys = readKeys(issues, a.keys, field(path, 'keys'), defaultRegion);
    accounts.push({
      id,
      rootAccessKeys: readAccessKeys(issues, a.rootAccessKeys, field(path, 'rootAccessKeys')),
      users: readUsers(issues, a.users, field(path, 'users')),
      roles: readRoles(issues, a.roles, field(path, 'roles')),
      keys,
      grants: readGrants(issues, a.grants, field(path, 'grants'), id, keys, field(path, 'keys')),
    });
  });
  unique(issues, raw.map((a, i) => ({ value: isMapping(a) && typeof a.id === 'string' ? a.id : undefined, path: field(item('accounts', i), 'id') })), 'account id');
  // Access key ids are global (an id resolves to one principal).
  const keyIds: Occurrence[] = [];
  raw.forEach((a, i) => {
    if (!isMapping(a)) return;
    const path = item('accounts', i);
    collectAccessKeyIds(a.rootAccessKeys, field(path, 'rootAccessKeys'), keyIds);
    if (Array.isArray(a.users)) {
      a.users.forEach((u, j) => isMapping(u) && collectAccessKeyIds(u.accessKeys, field(item(field(path, 'users'), j), 'accessKeys'), keyIds));
    }
  });
  unique(issues, keyIds, 'access key id');
  return accounts;
}

function collectAccessKeyIds(v: unknown, path: string, out: Occurrence[]): void {
  if (!Array.isArray(v)) return;
  v.forEach((k, i) => {
    if (isMapping(k) && typeof k.accessKeyId === 'string') out.push({ value: k.accessKeyId, path: field(item(path, i), 'accessKeyId') });
  });
}

/** IAM and AWS STS quotas: "Access keys assigned to an IAM user: 2" (the root user likewise). */
const ACCESS_KEYS_PER_PRINCIPAL = 2;

function readAccessKeys(issues: Issues, v: unknown, path: string): SeedAccessKey[] {
  const out: SeedAccessKey[] = [];
  const raw = list(issues, v, path);
  if (raw.length > ACCESS_KEYS_PER_PRINCIPAL) issues.add(path, `at most ${ACCESS_KEYS_PER_PRINCIPAL} access keys per user or root (IAM quota)`);
  raw.forEach((entry, i) => {
    const p = item(path, i);
    const k = mapping(issues, entry, p, ['accessKeyId', 'secretAccessKey']);
    if (!k) return;
    const accessKeyId = string(issues, k.accessKeyId, field(p, 'accessKeyId'), { pattern: ACCESS_KEY_ID, expected: 'AKIA followed by 16 of A-Z and 0-9' });
    const secretAccessKey = string(issues, k.secretAccessKey, field(p, 'secretAccessKey'), { max: 128 });
    if (accessKeyId !== undefined && secretAccessKey !== undefined) out.push({ accessKeyId, secretAccessKey });
  });
  return out;
}

function readUsers(issues: Issues, v: unknown, path: string): SeedUser[] {
  const out: SeedUser[] = [];
  const names: Occurrence[] = [];
  list(issues, v, path).forEach((entry, i) => {
    const p = item(path, i);
    const u = mapping(issues, entry, p, ['name', 'path', 'accessKeys', 'policies']);
    if (!u) return;
    const name = string(issues, u.name, field(p, 'name'), { max: 64, pattern: IAM_NAME, expected: 'an IAM user name (letters, digits and +=,.@_-)' });
    names.push({ value: name?.toLowerCase(), path: field(p, 'name') });
    out.push({
      name: name ?? '',
      path: iamPath(issues, u.path, field(p, 'path')),
      accessKeys: readAccessKeys(issues, u.accessKeys, field(p, 'accessKeys')),
      policies: readPolicies(issues, u.policies, field(p, 'policies'), 'user'),
    });
  });
  // IAM names are unique regardless of case (IAM User Guide, "IAM identifiers").
  unique(issues, names, 'user name (case-insensitive)');
  return out;
}

function readRoles(issues: Issues, v: unknown, path: string): SeedRole[] {
  const out: SeedRole[] = [];
  const names: Occurrence[] = [];
  list(issues, v, path).forEach((entry, i) => {
    const p = item(path, i);
    const r = mapping(issues, entry, p, ['name', 'path', 'description', 'maxSessionDuration', 'trustPolicy', 'policies']);
    if (!r) return;
    const name = string(issues, r.name, field(p, 'name'), { max: 64, pattern: IAM_NAME, expected: 'an IAM role name (letters, digits and +=,.@_-)' });
    names.push({ value: name?.toLowerCase(), path: field(p, 'name') });
    out.push({
      name: name ?? '',
      path: iamPath(issues, r.path, field(p, 'path')),
      description: string(issues, r.description, field(p, 'description'), { required: false, min: 0, max: 1000 }) ?? '',
      maxSessionDuration: r.maxSessionDuration === undefined ? 3600 : integer(issues, r.maxSessionDuration, field(p, 'maxSessionDuration'), 3600, 43200) ?? 3600,
      trustPolicy: policyDocument(issues, r.trustPolicy, field(p, 'trustPolicy'), 'trust') ?? '',
      policies: readPolicies(issues, r.policies, field(p, 'policies'), 'role'),
    });
  });
  unique(issues, names, 'role name (case-insensitive)');
  return out;
}

function iamPath(issues: Issues, v: unknown, path: string): string {
  return string(issues, v, path, { required: false, max: 512, pattern: IAM_PATH, expected: 'an IAM path such as / or /division/team/' }) ?? '/';
}

/** IAM and AWS STS quotas: "Role/User policy size", all inline policies together, white space not counted. */
const INLINE_QUOTA = { user: 2048, role: 10240 };

function readPolicies(issues: Issues, v: unknown, path: string, kind: 'user' | 'role'): SeedPolicy[] {
  const out: SeedPolicy[] = [];
  const names: Occurrence[] = [];
  list(issues, v, path).forEach((entry, i) => {
    const p = item(path, i);
    const m = mapping(issues, entry, p, ['name', 'document']);
    if (!m) return;
    const name = string(issues, m.name, field(p, 'name'), { max: 128, pattern: IAM_NAME, expected: 'a policy name (letters, digits and +=,.@_-)' });
    names.push({ value: name, path: field(p, 'name') });
    const document = policyDocument(issues, m.document, field(p, 'document'), 'identity');
    if (name !== undefined && document !== undefined) out.push({ name, document });
  });
  unique(issues, names, 'policy name');
  const size = out.reduce((n, x) => n + policySize(x.document), 0);
  if (size > INLINE_QUOTA[kind]) {
    issues.add(path, `inline policies total ${size} characters without white space; IAM allows ${INLINE_QUOTA[kind]} per ${kind}`);
  }
  return out;
}
