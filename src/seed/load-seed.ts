import { readFileSync } from 'node:fs';
import { parseSeed } from './seed-schema.js';
import type { Seed } from './seed-types.js';

/** Reads and validates a seed file (YAML or JSON). Throws SeedError naming the file and every problem. */
export function loadSeedFile(path: string): Seed {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read seed file ${path}: ${(e as Error).message}`);
  }
  return parseSeed(text, path);
}
