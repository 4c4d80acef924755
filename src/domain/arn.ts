/** KMS identifiers (kms-facts.md "Identifiers"). */
export const keyArn = (region: string, account: string, keyId: string) => `arn:aws:kms:${region}:${account}:key/${keyId}`;
export const aliasArn = (region: string, account: string, aliasName: string) =>
  `arn:aws:kms:${region}:${account}:${aliasName}`;
export const accountRootArn = (account: string) => `arn:aws:iam::${account}:root`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MRK = /^mrk-[0-9a-f]{32}$/;

/** A well-formed KMS key id: a UUID or a Multi-Region `mrk-` id. */
export const isKeyId = (s: string) => UUID.test(s) || MRK.test(s);

export type KeyReference =
  | { kind: 'keyId'; keyId: string }
  | { kind: 'keyArn'; region: string; account: string; keyId: string; partition: string }
  | { kind: 'aliasName'; aliasName: string }
  | { kind: 'aliasArn'; region: string; account: string; aliasName: string; partition: string }
  | { kind: 'invalid' };

const ARN = /^arn:(aws[a-z-]*):kms:([^:]*):([^:]*):(key\/.+|alias\/.+)$/;

/** Classifies a KeyId parameter the way KMS accepts it: key id, key ARN, alias name or alias ARN. */
export function parseKeyReference(value: string): KeyReference {
  if (value.startsWith('alias/')) return { kind: 'aliasName', aliasName: value };
  const m = ARN.exec(value);
  if (m) {
    const [, partition, region, account, resource] = m;
    if (resource.startsWith('alias/')) return { kind: 'aliasArn', partition, region, account, aliasName: resource };
    return { kind: 'keyArn', partition, region, account, keyId: resource.slice('key/'.length) };
  }
  if (value.startsWith('arn:')) return { kind: 'invalid' };
  return { kind: 'keyId', keyId: value };
}
