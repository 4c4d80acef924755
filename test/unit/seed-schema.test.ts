import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadSeedFile } from '../../src/seed/load-seed.js';
import { parseSeed, SeedError, validateSeed, type SeedIssue } from '../../src/seed/seed-schema.js';

const FIXTURE = join(import.meta.dirname, '../fixtures/seed-two-accounts.yaml');
const MATERIAL = Buffer.alloc(32, 7).toString('base64');
const KEY_ID = '11111111-2222-3333-4444-555555555555';
const allow = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] };
const keyPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'kms:*', Resource: '*' }] };
const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:root' }, Action: 'sts:AssumeRole' }] };

/** One account with the given extra fields (and a valid id unless overridden). */
const seedWith = (account: object, top: object = {}) => ({ accounts: [{ id: '111111111111', ...account }], ...top });
const key = (extra: object = {}) => ({ id: KEY_ID, region: 'us-east-1', ...extra });

function issuesOf(data: unknown): SeedIssue[] {
  try {
    validateSeed(data);
  } catch (e) {
    assert.ok(e instanceof SeedError, String(e));
    return e.issues;
  }
  assert.fail('expected the seed to be rejected');
}

/** Asserts that validation reports exactly one issue, at `path`, whose message matches. */
function rejects(data: unknown, path: string, message: string | RegExp) {
  const issues = issuesOf(data);
  assert.equal(issues.length, 1, JSON.stringify(issues));
  assert.equal(issues[0].path, path);
  if (typeof message === 'string') assert.equal(issues[0].message, message);
  else assert.match(issues[0].message, message);
}

describe('seed schema: accepted files', () => {
  it('loads the two-account fixture with defaults filled in', () => {
    const seed = loadSeedFile(FIXTURE);
    assert.deepEqual(seed.accounts.map((a) => a.id), ['111111111111', '222222222222']);
    const [alpha, beta] = seed.accounts;
    assert.equal(alpha.users[0].path, '/');
    assert.equal(alpha.roles[0].maxSessionDuration, 3600);
    assert.equal(alpha.keys[0].material!.length, 32);
    assert.equal(alpha.keys[1].material, undefined);
    assert.equal(alpha.keys[1].policy, undefined);
    assert.equal(alpha.keys[1].region, 'us-east-1', 'inherits the top-level region');
    assert.deepEqual(alpha.keys[0].tags, { team: 'blue', env: 'test' });
    assert.equal(alpha.grants[1].keyId, KEY_ID, 'a key ARN is resolved to the key id');
    assert.deepEqual(alpha.grants[1].constraints, { EncryptionContextSubset: { purpose: 'audit' } });
    assert.equal(alpha.grants[0].region, 'us-east-1');
    // A policy given as JSON text is kept verbatim; one given as a mapping becomes indented JSON.
    assert.equal(beta.users[0].policies[0].document, '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}');
    assert.deepEqual(JSON.parse(alpha.keys[0].policy!).Id, 'alpha-app-key');
    assert.match(alpha.keys[0].policy!, /^\{\n {2}"Version"/);
  });

  it('reads JSON the same as YAML', () => {
    const data = seedWith({ keys: [key({ material: MATERIAL, aliases: ['alias/a'] })] });
    const fromJson = parseSeed(JSON.stringify(data));
    const fromYaml = parseSeed(`accounts:\n  - id: "111111111111"\n    keys:\n      - {id: ${KEY_ID}, region: us-east-1, material: "${MATERIAL}", aliases: [alias/a]}\n`);
    assert.deepEqual(fromJson, fromYaml);
    assert.deepEqual(fromJson.accounts[0].keys[0].material, Buffer.alloc(32, 7));
  });

  it('accepts an empty file, mrk- ids, material with line breaks and empty tag values', () => {
    assert.deepEqual(parseSeed(''), { accounts: [] });
    const seed = validateSeed(seedWith({ keys: [key({ id: 'mrk-' + 'a'.repeat(32), material: MATERIAL.slice(0, 20) + '\n' + MATERIAL.slice(20), tags: { empty: '' } })] }));
    assert.equal(seed.accounts[0].keys[0].id, 'mrk-' + 'a'.repeat(32));
    assert.deepEqual(seed.accounts[0].keys[0].tags, { empty: '' });
  });

  it('reports every problem at once, each under its path, naming the file', () => {
    const text = 'accounts:\n  - id: "1"\n    keys:\n      - {id: nope, region: us-east-1, material: short}\n';
    assert.throws(
      () => parseSeed(text, 'seed.yaml'),
      (e: SeedError) => {
        assert.deepEqual(e.issues.map((i) => i.path), ['accounts[0].id', 'accounts[0].keys[0].id', 'accounts[0].keys[0].material']);
        assert.match(e.message, /^invalid seed file seed\.yaml:\n {2}accounts\[0\]\.id: must be an account id of 12 digits\n/);
        assert.match(e.message, /accounts\[0\]\.keys\[0\]\.material: must be base64 of 32 bytes/);
        return true;
      },
    );
  });
});

describe('seed schema: file and top level', () => {
  it('YAML syntax errors and duplicate mapping keys', () => {
    assert.throws(() => parseSeed('accounts: [\n'), (e: SeedError) => e.issues[0].path === '(syntax)');
    assert.throws(() => parseSeed('accounts: []\naccounts: []\n'), (e: SeedError) => e.issues[0].path === '(syntax)' && /unique/i.test(e.issues[0].message));
  });
  it('top level', () => {
    rejects([1, 2], '(top level)', 'must be a mapping');
    rejects({ acounts: [] }, 'acounts', 'unknown field (expected one of: version, region, accounts)');
    rejects({ version: 2, accounts: [] }, 'version', 'must be 1');
    rejects({ region: 'US-EAST-1', accounts: [] }, 'region', 'must be a region name such as us-east-1');
    rejects({ accounts: { id: '111111111111' } }, 'accounts', 'must be a list');
    rejects({ accounts: ['111111111111'] }, 'accounts[0]', 'must be a mapping');
  });
  it('a missing file', () => {
    assert.throws(() => loadSeedFile('/nonexistent/seed.yaml'), /cannot read seed file \/nonexistent\/seed\.yaml/);
  });
});

describe('seed schema: accounts and access keys', () => {
  it('account ids', () => {
    rejects({ accounts: [{}] }, 'accounts[0].id', 'is required');
    rejects({ accounts: [{ id: 111111111111 }] }, 'accounts[0].id', 'must be a string (quote it in YAML)');
    rejects({ accounts: [{ id: '11111111111' }] }, 'accounts[0].id', 'must be an account id of 12 digits');
    rejects({ accounts: [{ id: '111111111111' }, { id: '111111111111' }] }, 'accounts[1].id', "duplicate account id '111111111111' (first at accounts[0].id)");
    rejects(seedWith({ user: [] }), 'accounts[0].user', /^unknown field \(expected one of: id, rootAccessKeys, users, roles, keys, grants\)$/);
  });
  it('access keys', () => {
    const root = (k: object) => seedWith({ rootAccessKeys: [k] });
    rejects(root({ accessKeyId: 'AKIA123', secretAccessKey: 's' }), 'accounts[0].rootAccessKeys[0].accessKeyId', 'must be AKIA followed by 16 of A-Z and 0-9');
    rejects(root({ accessKeyId: 'ASIAAAAAAAAAAAAAAAAA', secretAccessKey: 's' }), 'accounts[0].rootAccessKeys[0].accessKeyId', /^must be AKIA/);
    rejects(root({ accessKeyId: 'AKIAaaaaaaaaaaaaaaaa', secretAccessKey: 's' }), 'accounts[0].rootAccessKeys[0].accessKeyId', /^must be AKIA/);
    rejects(root({ accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: '' }), 'accounts[0].rootAccessKeys[0].secretAccessKey', 'must not be empty');
    rejects(root({ accessKeyId: 'AKIAAAAAAAAAAAAAAAAA' }), 'accounts[0].rootAccessKeys[0].secretAccessKey', 'is required');
    rejects(root({ accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x'.repeat(129) }), 'accounts[0].rootAccessKeys[0].secretAccessKey', 'must be at most 128 characters');
    rejects(root({ accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 's', status: 'Active' }), 'accounts[0].rootAccessKeys[0].status', /^unknown field/);
    rejects(seedWith({ rootAccessKeys: 'AKIAAAAAAAAAAAAAAAAA' }), 'accounts[0].rootAccessKeys', 'must be a list');
    const three = ['AKIAAAAAAAAAAAAAAAA1', 'AKIAAAAAAAAAAAAAAAA2', 'AKIAAAAAAAAAAAAAAAA3'].map((accessKeyId) => ({ accessKeyId, secretAccessKey: 's' }));
    rejects(seedWith({ users: [{ name: 'u', accessKeys: three }] }), 'accounts[0].users[0].accessKeys', 'at most 2 access keys per user or root (IAM quota)');
  });
  it('access key ids are unique across the whole file', () => {
    const k = { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 's' };
    rejects(
      { accounts: [{ id: '111111111111', rootAccessKeys: [k] }, { id: '222222222222', users: [{ name: 'u', accessKeys: [k] }] }] },
      'accounts[1].users[0].accessKeys[0].accessKeyId',
      "duplicate access key id 'AKIAAAAAAAAAAAAAAAAA' (first at accounts[0].rootAccessKeys[0].accessKeyId)",
    );
  });
});

describe('seed schema: users, roles and identity policies', () => {
  const user = (u: object) => seedWith({ users: [{ name: 'alice', ...u }] });
  const role = (r: object) => seedWith({ roles: [{ name: 'app', trustPolicy: trust, ...r }] });
  it('users', () => {
    rejects(seedWith({ users: [{}] }), 'accounts[0].users[0].name', 'is required');
    rejects(user({ name: 'al ice' }), 'accounts[0].users[0].name', 'must be an IAM user name (letters, digits and +=,.@_-)');
    rejects(user({ name: 'a'.repeat(65) }), 'accounts[0].users[0].name', 'must be at most 64 characters');
    rejects(user({ path: 'team' }), 'accounts[0].users[0].path', 'must be an IAM path such as / or /division/team/');
    rejects(user({ groups: [] }), 'accounts[0].users[0].groups', /^unknown field/);
    rejects(seedWith({ users: [{ name: 'Alice' }, { name: 'alice' }] }), 'accounts[0].users[1].name', "duplicate user name (case-insensitive) 'alice' (first at accounts[0].users[0].name)");
    // Paths stay exact when earlier entries are invalid.
    assert.deepEqual(issuesOf(seedWith({ users: [5, { name: 'a' }, { name: 'A' }] })), [
      { path: 'accounts[0].users[0]', message: 'must be a mapping' },
      { path: 'accounts[0].users[2].name', message: "duplicate user name (case-insensitive) 'a' (first at accounts[0].users[1].name)" },
    ]);
  });
  it('inline policies', () => {
    const policy = (p: object) => user({ policies: [{ name: 'p', document: allow, ...p }] });
    rejects(policy({ name: 'bad name' }), 'accounts[0].users[0].policies[0].name', /^must be a policy name/);
    rejects(policy({ document: undefined }), 'accounts[0].users[0].policies[0].document', 'is required');
    rejects(policy({ document: [allow] }), 'accounts[0].users[0].policies[0].document', 'must be a policy document (a mapping, or a string of JSON)');
    rejects(policy({ document: '{not json' }), 'accounts[0].users[0].policies[0].document', 'invalid identity policy: Syntax errors in policy.');
    rejects(policy({ document: keyPolicy }), 'accounts[0].users[0].policies[0].document', 'invalid identity policy: Policy document should not specify a principal.');
    rejects(policy({ document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms', Resource: '*' }] } }), 'accounts[0].users[0].policies[0].document', /^invalid identity policy: Actions\/Conditions must be prefaced by a vendor/);
    const sized = (n: number) => ({ ...allow, Id: 'x'.repeat(n) });
    rejects(user({ policies: [{ name: 'a', document: sized(1000) }, { name: 'b', document: sized(1000) }] }), 'accounts[0].users[0].policies', /^inline policies total 2\d{3} characters without white space; IAM allows 2048 per user$/);
    validateSeed(seedWith({ roles: [{ name: 'r', trustPolicy: trust, policies: [{ name: 'a', document: sized(1000) }, { name: 'b', document: sized(1000) }] }] }));
    rejects(user({ policies: [{ name: 'p', document: allow }, { name: 'p', document: allow }] }), 'accounts[0].users[0].policies[1].name', "duplicate policy name 'p' (first at accounts[0].users[0].policies[0].name)");
  });
  it('roles and trust policies', () => {
    rejects(seedWith({ roles: [{ name: 'app' }] }), 'accounts[0].roles[0].trustPolicy', 'is required');
    rejects(role({ trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] } }), 'accounts[0].roles[0].trustPolicy', 'invalid trust policy: Missing required field Principal');
    rejects(role({ trustPolicy: { ...trust, Statement: [{ ...trust.Statement[0], Resource: '*' }] } }), 'accounts[0].roles[0].trustPolicy', 'invalid trust policy: Has prohibited field Resource');
    rejects(role({ trustPolicy: { ...trust, Statement: [{ ...trust.Statement[0], Action: 'kms:Decrypt' }] } }), 'accounts[0].roles[0].trustPolicy', 'invalid trust policy: AssumeRole policy may only specify STS AssumeRole actions.');
    rejects(role({ trustPolicy: '[]' }), 'accounts[0].roles[0].trustPolicy', 'invalid trust policy: Syntax errors in policy.');
    rejects(role({ trustPolicy: '{nope' }), 'accounts[0].roles[0].trustPolicy', 'invalid trust policy: This policy contains invalid Json');
    rejects(role({ trustPolicy: { ...trust, Id: 'x'.repeat(2048) } }), 'accounts[0].roles[0].trustPolicy', 'invalid trust policy: Cannot exceed quota for ACLSizePerRole: 2048');
    rejects(role({ maxSessionDuration: 60 }), 'accounts[0].roles[0].maxSessionDuration', 'must be an integer from 3600 to 43200');
    rejects(role({ maxSessionDuration: '3600' }), 'accounts[0].roles[0].maxSessionDuration', 'must be an integer from 3600 to 43200');
    rejects(role({ description: 'd'.repeat(1001) }), 'accounts[0].roles[0].description', 'must be at most 1000 characters');
    rejects(role({ name: 'a/b' }), 'accounts[0].roles[0].name', /^must be an IAM role name/);
    rejects(role({ policies: [{ name: 'p', document: keyPolicy }] }), 'accounts[0].roles[0].policies[0].document', /should not specify a principal/);
    rejects(seedWith({ roles: [{ name: 'App', trustPolicy: trust }, { name: 'app', trustPolicy: trust }] }), 'accounts[0].roles[1].name', /^duplicate role name/);
  });
});

describe('seed schema: keys', () => {
  const keys = (...k: object[]) => seedWith({ keys: k });
  it('ids and regions', () => {
    rejects(keys({ region: 'us-east-1' }), 'accounts[0].keys[0].id', 'is required');
    rejects(keys(key({ id: 'aaaaaaaa-2222-3333-4444-555555555555'.toUpperCase() })), 'accounts[0].keys[0].id', 'must be a key id: a lowercase UUID, or mrk- followed by 32 lowercase hex digits');
    rejects(keys(key({ id: 'alias/app' })), 'accounts[0].keys[0].id', /^must be a key id/);
    rejects(keys(key({ id: 'mrk-123' })), 'accounts[0].keys[0].id', /^must be a key id/);
    rejects(keys(key(), key()), 'accounts[0].keys[1].id', `duplicate key id '${KEY_ID}' (first at accounts[0].keys[0].id)`);
    rejects(keys({ id: KEY_ID }), 'accounts[0].keys[0].region', 'is required (or set a top-level region)');
    rejects(keys(key({ region: 'mars' })), 'accounts[0].keys[0].region', 'must be a region name such as us-east-1');
    rejects(keys(key({ keySpec: 'RSA_2048' })), 'accounts[0].keys[0].keySpec', /^unknown field \(expected one of: id, region, description, material, policy, aliases, tags\)$/);
    rejects(keys(key({ description: 'd'.repeat(8193) })), 'accounts[0].keys[0].description', 'must be at most 8192 characters');
  });
  it('material', () => {
    const path = 'accounts[0].keys[0].material';
    rejects(keys(key({ material: Buffer.alloc(16).toString('base64') })), path, 'must be base64 of 32 bytes');
    rejects(keys(key({ material: Buffer.alloc(33).toString('base64') })), path, 'must be base64 of 32 bytes');
    rejects(keys(key({ material: MATERIAL.replace(/=$/, '') })), path, 'must be base64 of 32 bytes');
    rejects(keys(key({ material: '!' + MATERIAL.slice(1) })), path, 'must be base64 of 32 bytes');
    rejects(keys(key({ material: Buffer.alloc(32).toString('hex') })), path, 'must be base64 of 32 bytes');
    rejects(keys(key({ material: 12345 })), path, 'must be base64 of 32 bytes');
  });
  it('key policies', () => {
    rejects(keys(key({ policy: allow })), 'accounts[0].keys[0].policy', 'invalid key policy: Missing required field Principal');
    rejects(keys(key({ policy: 42 })), 'accounts[0].keys[0].policy', 'must be a policy document (a mapping, or a string of JSON)');
    const big = { ...keyPolicy, Id: 'x'.repeat(33 * 1024) };
    rejects(keys(key({ policy: big })), 'accounts[0].keys[0].policy', 'invalid key policy: The key policy exceeds the maximum size of 32768 bytes.');
  });
  it('aliases', () => {
    const alias = (a: unknown) => keys(key({ aliases: [a] }));
    rejects(alias('app'), 'accounts[0].keys[0].aliases[0]', 'must start with alias/');
    rejects(alias('alias/aws/s3'), 'accounts[0].keys[0].aliases[0]', 'alias/aws/ is reserved for AWS managed keys');
    rejects(alias('alias/my app'), 'accounts[0].keys[0].aliases[0]', 'must be alias/ followed by letters, digits and :/_-');
    rejects(alias('alias/' + 'a'.repeat(251)), 'accounts[0].keys[0].aliases[0]', 'must be at most 256 characters');
    rejects(alias(7), 'accounts[0].keys[0].aliases[0]', 'must be a string (quote it in YAML)');
    rejects(keys(key({ aliases: 'alias/app' })), 'accounts[0].keys[0].aliases', 'must be a list');
    rejects(keys(key({ aliases: ['alias/a', 'alias/a'] })), 'accounts[0].keys[0].aliases[1]', "duplicate alias 'alias/a' (first at accounts[0].keys[0].aliases[0])");
    const other = '11111111-2222-3333-4444-666666666666';
    rejects(keys(key({ aliases: ['alias/a'] }), key({ id: other, aliases: ['alias/a'] })), 'accounts[0].keys[1].aliases[0]', /^duplicate alias \(region and name\) 'us-east-1 alias\/a'/);
    // The same alias name in two regions is two aliases.
    validateSeed(keys(key({ aliases: ['alias/a'] }), key({ id: other, region: 'eu-west-1', aliases: ['alias/a'] })));
  });
  it('tags', () => {
    rejects(keys(key({ tags: ['team'] })), 'accounts[0].keys[0].tags', 'must be a mapping of strings to strings');
    rejects(keys(key({ tags: { 'aws:team': 'x' } })), 'accounts[0].keys[0].tags["aws:team"]', 'tag keys beginning with aws: are reserved');
    rejects(keys(key({ tags: { n: 1 } })), 'accounts[0].keys[0].tags.n', 'must be a string (quote it in YAML)');
    rejects(keys(key({ tags: { ['k'.repeat(129)]: 'v' } })), `accounts[0].keys[0].tags.${'k'.repeat(129)}`, 'must be at most 128 characters');
    rejects(keys(key({ tags: { k: 'v'.repeat(257) } })), 'accounts[0].keys[0].tags.k', 'must be at most 256 characters');
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, 'v']));
    rejects(keys(key({ tags: many })), 'accounts[0].keys[0].tags', 'at most 50 tags per key');
  });
});

describe('seed schema: grants', () => {
  const grant = (g: object) => seedWith({ keys: [key()], grants: [{ keyId: KEY_ID, granteePrincipal: 'arn:aws:iam::111111111111:role/app', operations: ['Decrypt'], ...g }] });
  it('key reference', () => {
    rejects(grant({ keyId: '99999999-2222-3333-4444-555555555555' }), 'accounts[0].grants[0].keyId', 'names no key in accounts[0].keys');
    rejects(grant({ keyId: `arn:aws:kms:us-east-1:222222222222:key/${KEY_ID}` }), 'accounts[0].grants[0].keyId', 'names no key in accounts[0].keys');
    rejects(grant({ keyId: `arn:aws:kms:eu-west-1:111111111111:key/${KEY_ID}` }), 'accounts[0].grants[0].keyId', 'names no key in accounts[0].keys');
    rejects(grant({ keyId: 'alias/app' }), 'accounts[0].grants[0].keyId', 'must be the id or key ARN of a key in this account');
    rejects(grant({ keyId: undefined }), 'accounts[0].grants[0].keyId', 'is required');
  });
  it('operations', () => {
    rejects(grant({ operations: undefined }), 'accounts[0].grants[0].operations', 'is required');
    rejects(grant({ operations: [] }), 'accounts[0].grants[0].operations', 'must not be empty');
    rejects(grant({ operations: 'Decrypt' }), 'accounts[0].grants[0].operations', 'must be a list');
    rejects(grant({ operations: ['Decrypt', 'Frobnicate'] }), 'accounts[0].grants[0].operations[1]', /^unknown grant operation 'Frobnicate' \(expected one of: Decrypt, Encrypt, /);
    rejects(grant({ operations: ['Sign'] }), 'accounts[0].grants[0].operations[0]', "grant operation 'Sign' is not valid for a symmetric encryption KMS key");
    rejects(grant({ operations: ['Decrypt', 'Decrypt'] }), 'accounts[0].grants[0].operations[1]', /^duplicate grant operation 'Decrypt'/);
    rejects(grant({ operations: ['CreateGrant'] }), 'accounts[0].grants[0].operations', 'must not contain only the CreateGrant operation');
  });
  it('principals, name, constraints and duplicates', () => {
    rejects(grant({ granteePrincipal: undefined }), 'accounts[0].grants[0].granteePrincipal', 'is required');
    const notPrincipal = 'must be the ARN of an account (…:root), IAM user, IAM role, assumed-role session or federated user';
    rejects(grant({ granteePrincipal: 'a b' }), 'accounts[0].grants[0].granteePrincipal', notPrincipal);
    rejects(grant({ granteePrincipal: 'kms.amazonaws.com' }), 'accounts[0].grants[0].granteePrincipal', notPrincipal);
    rejects(grant({ granteePrincipal: 'arn:aws:iam::111111111111:group/admins' }), 'accounts[0].grants[0].granteePrincipal', notPrincipal);
    rejects(grant({ retiringPrincipal: 'x'.repeat(257) }), 'accounts[0].grants[0].retiringPrincipal', 'must be at most 256 characters');
    rejects(grant({ name: 'my grant' }), 'accounts[0].grants[0].name', 'must be a grant name of letters, digits and :/_-');
    rejects(grant({ constraints: {} }), 'accounts[0].grants[0].constraints', 'must set encryptionContextEquals or encryptionContextSubset');
    rejects(grant({ constraints: { EncryptionContextEquals: { a: 'b' } } }), 'accounts[0].grants[0].constraints.EncryptionContextEquals', /^unknown field/);
    rejects(grant({ constraints: { encryptionContextEquals: { a: 1 } } }), 'accounts[0].grants[0].constraints.encryptionContextEquals.a', 'must be a string (quote it in YAML)');
    rejects(grant({ constraints: { encryptionContextSubset: { a: '' } } }), 'accounts[0].grants[0].constraints.encryptionContextSubset.a', 'must not be empty');
    const nine = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v']));
    rejects(grant({ constraints: { encryptionContextSubset: nine } }), 'accounts[0].grants[0].constraints.encryptionContextSubset', 'at most 8 encryption context pairs');
    rejects(grant({ constraints: { encryptionContextEquals: { k: 'v'.repeat(384) } } }), 'accounts[0].grants[0].constraints.encryptionContextEquals', 'at most 384 characters of keys and values');
    rejects(grant({ grantee: 'x' }), 'accounts[0].grants[0].grantee', /^unknown field/);
    const g = { keyId: KEY_ID, granteePrincipal: 'arn:aws:iam::111111111111:role/app', operations: ['Decrypt', 'Encrypt'] };
    rejects(seedWith({ keys: [key()], grants: [g, { ...g, operations: ['Encrypt', 'Decrypt'] }] }), 'accounts[0].grants[1]', /^duplicate grant \(same key, grantee, operations, name and constraints\) with id '[0-9a-f]{64}' \(first at accounts\[0\]\.grants\[0\]\)$/);
  });
});
