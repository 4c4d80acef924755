import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
// @ts-expect-error: a plain .mjs script without type declarations
import { generate } from '../../scripts/gen-kms-operation-facts.mjs';
import { KMS_OPERATION_FACTS } from '../../src/model/kms-operation-facts.js';

test('src/model/kms-operation-facts.ts is what the generator makes of scripts/reference', () => {
  const committed = readFileSync(new URL('../../src/model/kms-operation-facts.ts', import.meta.url), 'utf8');
  assert.equal(committed, (generate as () => string)(), 'regenerate with `npm run gen:facts`');
});

test('the facts carry the reference rows', () => {
  assert.equal(KMS_OPERATION_FACTS.Encrypt.crossAccount, true);
  assert.equal(KMS_OPERATION_FACTS.CreateKey.crossAccount, false);
  assert.equal(KMS_OPERATION_FACTS.Encrypt.keyStates.Disabled, 'disabled');
  assert.equal(KMS_OPERATION_FACTS.CancelKeyDeletion.keyStates.Enabled, 'notPendingDeletion');
  assert.equal(KMS_OPERATION_FACTS.Encrypt.dryRun, true);
  assert.equal(KMS_OPERATION_FACTS.CreateKey.dryRun, false);
  assert.equal(Object.keys(KMS_OPERATION_FACTS).length, 56);
});

test('the KMS model types (src/model/kms-types.ts and the files it re-exports) are what the generator makes of the model', async () => {
  // @ts-expect-error: a plain .mjs script without type declarations
  const { generate: generateTypes } = await import('../../scripts/gen-kms-types.mjs');
  const files = (generateTypes as () => Record<string, string>)();
  assert.deepEqual(Object.keys(files).sort(), ['src/model/kms-requests.ts', 'src/model/kms-responses.ts', 'src/model/kms-shapes.ts', 'src/model/kms-types.ts']);
  for (const [path, text] of Object.entries(files)) {
    assert.equal(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'), text, `${path}: regenerate with \`npm run gen:types\``);
  }
});
