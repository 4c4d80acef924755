/**
 * awsJson1.1 request input: type-check and deserialize against the KMS model, then check
 * the model's constraints the way AWS's Coral framework reports them (ValidationException
 * "N validation error(s) detected: Value '<v>' at '<path>' failed to satisfy constraint: ...").
 * Texts: research/kms-errors.md §1 and §3 (kinesalite, LocalStack snapshots of real AWS).
 * Each operation's reader is compiled from the model once, on its first request (input-reader.ts).
 */
import { compileInputReader, type InputReader } from './input-reader.js';

export { compilePattern, validationMessage } from './shape-rules.js';

/** Compiled readers by operation: code made from the (constant) model, not state. */
const readers = new Map<string, InputReader>();

/** The compiled reader of `operation` (compiled on first use). */
export function inputReader(operation: string): InputReader {
  let reader = readers.get(operation);
  if (!reader) {
    reader = compileInputReader(operation);
    readers.set(operation, reader);
  }
  return reader;
}

/**
 * Validates and deserializes the parsed JSON body of `operation`. Returns a new object with
 * only modelled members; blobs become Buffers, timestamps Dates, JSON null means absent.
 */
export function readInput(operation: string, body: unknown): Record<string, unknown> {
  return inputReader(operation)(body);
}
