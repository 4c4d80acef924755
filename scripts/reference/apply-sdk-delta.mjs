#!/usr/bin/env node
// Brings botocore's KMS model (../shared/reference/kms-service-2.json, 54 operations) up to the
// operations and shapes of @aws-sdk/client-kms (the installed version, read from its Smithy
// schemas and enums): Encapsulate, Decapsulate and the ML-KEM enum values. Writes
// scripts/reference/kms-service-2.json, the input of scripts/gen-kms-model.mjs. See README.md here.
// Usage: node scripts/reference/apply-sdk-delta.mjs [base.json] [out.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const base = resolve(process.argv[2] ?? resolve(repoRoot, '../shared/reference/kms-service-2.json'));
const target = resolve(process.argv[3] ?? resolve(here, 'kms-service-2.json'));
const require = createRequire(import.meta.url);
const sdk = require('@aws-sdk/client-kms');
const sdkVersion = JSON.parse(readFileSync(require.resolve('@aws-sdk/client-kms/package.json'), 'utf8')).version;

const model = JSON.parse(readFileSync(base, 'utf8'));
const shapes = model.shapes;

// Enums: every SDK enum value the base model lacks (the SDK sorts values; keep the base order, append).
const enumSource = readFileSync(resolve(dirname(require.resolve('@aws-sdk/client-kms/package.json')), 'dist-es/models/enums.js'), 'utf8');
for (const [, name, body] of enumSource.matchAll(/export const (\w+) = \{([^}]*)\}/g)) {
  const values = [...body.matchAll(/:\s*"([^"]+)"/g)].map((m) => m[1]);
  if (!shapes[name]) shapes[name] = { type: 'string', enum: values };
  else for (const v of values) if (!shapes[name].enum.includes(v)) shapes[name].enum.push(v);
}

// Shapes new in the SDK. Member targets follow the SDK schemas; named shapes reuse the base
// model's (the SDK schemas carry no length constraints: SharedSecretCiphertextBlob takes
// CiphertextType's 1..6144, the largest ML-KEM ciphertext being 1568 bytes).
shapes.EncapsulationAlgorithmSpecList = { type: 'list', member: { shape: 'EncapsulationAlgorithmSpec' } };
shapes.EncapsulateRequest = {
  type: 'structure',
  required: ['KeyId', 'EncapsulationAlgorithm'],
  members: {
    KeyId: { shape: 'KeyIdType' },
    EncapsulationAlgorithm: { shape: 'EncapsulationAlgorithmSpec' },
    GrantTokens: { shape: 'GrantTokenList' },
    DryRun: { shape: 'NullableBooleanType' },
  },
};
shapes.EncapsulateResponse = {
  type: 'structure',
  members: {
    KeyId: { shape: 'KeyIdType' },
    SharedSecret: { shape: 'PlaintextType' },
    SharedSecretCiphertextBlob: { shape: 'CiphertextType' },
    EncapsulationAlgorithm: { shape: 'EncapsulationAlgorithmSpec' },
  },
};
shapes.DecapsulateRequest = {
  type: 'structure',
  required: ['KeyId', 'SharedSecretCiphertextBlob', 'EncapsulationAlgorithm'],
  members: {
    KeyId: { shape: 'KeyIdType' },
    SharedSecretCiphertextBlob: { shape: 'CiphertextType' },
    EncapsulationAlgorithm: { shape: 'EncapsulationAlgorithmSpec' },
    GrantTokens: { shape: 'GrantTokenList' },
    DryRun: { shape: 'NullableBooleanType' },
  },
};
shapes.DecapsulateResponse = {
  type: 'structure',
  members: {
    KeyId: { shape: 'KeyIdType' },
    SharedSecret: { shape: 'PlaintextType' },
    EncapsulationAlgorithm: { shape: 'EncapsulationAlgorithmSpec' },
  },
};
shapes.KeyMetadata.members.EncapsulationAlgorithms = { shape: 'EncapsulationAlgorithmSpecList' };
shapes.GetPublicKeyResponse.members.EncapsulationAlgorithms = { shape: 'EncapsulationAlgorithmSpecList' };

// Errors as the SDK's command declarations list them (@throws).
const COMMON = ['DependencyTimeoutException', 'DisabledException', 'DryRunOperationException', 'InvalidGrantTokenException', 'InvalidKeyUsageException', 'KeyUnavailableException', 'KMSInternalException', 'KMSInvalidStateException', 'NotFoundException'];
const op = (name, errors) => ({ name, http: { method: 'POST', requestUri: '/' }, input: { shape: `${name}Request` }, output: { shape: `${name}Response` }, errors: errors.map((shape) => ({ shape })) });
model.operations.Encapsulate = op('Encapsulate', COMMON);
model.operations.Decapsulate = op('Decapsulate', [...COMMON.slice(0, 3), 'InvalidCiphertextException', ...COMMON.slice(3)]);

// Cross-check: every SDK operation and structure member is now in the model.
const problems = [];
for (const [k, v] of Object.entries(sdk)) {
  if (!k.endsWith('$') || !Array.isArray(v)) continue;
  if (v[0] === 9 && !model.operations[v[2]]) problems.push(`operation ${v[2]}`);
  if (v[0] === 3) for (const m of v[4]) if (!shapes[v[2]]?.members?.[m]) problems.push(`${v[2]}.${m}`);
}
if (problems.length) throw new Error(`model still lacks: ${problems.join(', ')}`);

// Structural facts only: the documentation prose stays out of the repository (DESIGN.md).
const PROSE = new Set(['documentation', 'deprecatedMessage', 'documentationUrl', 'examples']);
const stripProse = (value) => {
  if (Array.isArray(value)) return value.map(stripProse);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !PROSE.has(k)).map(([k, v]) => [k, stripProse(v)]));
};
for (const key of ['operations', 'shapes']) model[key] = stripProse(model[key]);
delete model.documentation;

model.metadata.locksmithSource = `botocore kms service-2.json + @aws-sdk/client-kms ${sdkVersion} (Encapsulate, Decapsulate, ML-KEM)`;
writeFileSync(target, JSON.stringify(model, null, 1) + '\n');
console.log(`wrote ${target}: ${Object.keys(model.operations).length} operations, ${Object.keys(shapes).length} shapes`);
