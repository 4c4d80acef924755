import type { SeedOutcome } from './seed-report.js';

/**
 * Creates an object the seed declares, tolerating another node that created it at the same
 * moment from the same seed (nodes sharing one database start together): when `create` fails or
 * reports a duplicate but `exists` then finds the object, the outcome is 'unchanged'.
 */
export async function createOnce(create: () => Promise<unknown>, exists: () => Promise<boolean>): Promise<SeedOutcome> {
  let ok: unknown;
  try {
    ok = await create();
  } catch (e) {
    if (await exists()) return 'unchanged';
    throw e;
  }
  if (ok !== false) return 'created';
  if (await exists()) return 'unchanged';
  throw new Error('the store refused to create a seeded object that does not exist');
}
