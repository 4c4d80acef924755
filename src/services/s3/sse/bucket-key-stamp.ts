/**
 * What a cached S3 Bucket Key depends on (bucket-key-cache.ts `KeyStamp`): the KMS key's state,
 * policy, current material and grants, and, when the key was named by an alias, the alias's
 * target. When a change of unknown cause is signalled (another cluster worker wrote to the store),
 * a cached bucket key is used again only if this stamp is unchanged — so DisableKey,
 * ScheduleKeyDeletion, PutKeyPolicy, CreateGrant/RevokeGrant or UpdateAlias on any worker ends it.
 */
import { createHash } from 'node:crypto';
import { parseKeyReference } from '../../../domain/arn.js';
import type { Store } from '../../../store/ports.js';
import type { KeyStamp } from './bucket-key-cache.js';

/** Keys with more grants than this are not vouched for: their bucket keys are dropped on any change. */
const MAX_STAMPED_GRANTS = 1000;

export function keyStampFrom(store: () => Pick<Store, 'keys' | 'aliases' | 'grants'>): KeyStamp {
  return async (ref) => {
    const r = parseKeyReference(ref.key);
    let account = ref.account;
    let region = ref.region;
    let keyId: string;
    let aliasTarget = '';
    switch (r.kind) {
      case 'keyArn':
        ({ account, region, keyId } = r);
        break;
      case 'keyId':
        keyId = r.keyId;
        break;
      case 'aliasName':
      case 'aliasArn': {
        if (r.kind === 'aliasArn') ({ account, region } = r);
        const alias = await store().aliases.get(account, region, r.aliasName);
        if (!alias) return undefined;
        keyId = aliasTarget = alias.targetKeyId;
        break;
      }
      default:
        return undefined;
    }
    const key = await store().keys.get({ account, region, keyId });
    if (!key) return undefined;
    const grants = await store().grants.list({ account, region, keyId: key.keyId }, MAX_STAMPED_GRANTS);
    if (grants.next !== undefined) return undefined;
    const text = JSON.stringify([
      aliasTarget, key.arn, key.lifecycle, key.policy, key.currentKeyMaterialId ?? '',
      grants.items.map((g) => [g.grantId, g.granteePrincipal, g.operations, g.constraints ?? null, g.retiringPrincipal ?? '']),
    ]);
    return createHash('sha256').update(text).digest('base64');
  };
}
