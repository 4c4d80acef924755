import type { KmsKey } from '../../domain/key.js';
import { assertKeyStateAllows } from '../../domain/key-states.js';
import { NotFoundException } from '../../errors/aws-error.js';
import type { KeyChange, KeyReads } from '../../store/ports.js';
import type { KeyOperation, KmsCore } from './kms-core.js';
import { refOf } from './multi-region.js';

/**
 * Read-modify-write of KMS keys (issue 11, finding 2). An operation resolves and authorizes the
 * key, then writes through `changeKey`: inside one store write transaction (serialized with every
 * other writer, in this process or another) the key is read again, the operation's key-state rule
 * is applied to that row, and what the operation changes is derived from it — so no write puts
 * back a stale copy of what another call changed meanwhile.
 */

/** The key as committed now; NotFoundException (loadKey's answer) when it was destroyed meanwhile. */
export function currentKey(reads: KeyReads, key: KmsKey): KmsKey {
  const fresh = reads.get(refOf(key));
  if (!fresh) throw NotFoundException(`Key '${key.arn}' does not exist`);
  return fresh;
}

/** What an operation makes of the current key: the new key, several changes (materials, other regions), or nothing. */
export type KeyEdit = (fresh: KmsKey, reads: KeyReads) => KmsKey | KeyChange[] | undefined;

/**
 * Applies `edit` to the key as committed now, after checking `operation`'s key-state rule on it
 * (undefined: no rule). `edit` runs synchronously in the transaction and may throw to change
 * nothing. Returns the key as it was read.
 */
export function changeKey(kms: KmsCore, key: KmsKey, operation: KeyOperation | undefined, edit: KeyEdit): Promise<KmsKey> {
  return kms.store.keys.transact((reads) => {
    const fresh = currentKey(reads, key);
    if (operation !== undefined) assertKeyStateAllows(operation.keyStates, fresh);
    const edited = edit(fresh, reads);
    const changes = edited === undefined ? [] : Array.isArray(edited) ? edited : [{ key: edited }];
    return { changes, result: fresh };
  });
}

/** Every region's copy of a Multi-Region key as committed now, `fresh` first (just `fresh` when single-Region). */
export function currentCopies(reads: KeyReads, fresh: KmsKey): KmsKey[] {
  if (!fresh.multiRegion) return [fresh];
  return [fresh, ...reads.regionsOf(fresh.account, fresh.keyId).filter((k) => k.region !== fresh.region)];
}
