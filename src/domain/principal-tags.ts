/**
 * Tags of IAM users, roles and STS sessions — the principal tags that become `aws:PrincipalTag/<key>`
 * (IAM User Guide, "Tagging IAM resources"; "Passing session tags in AWS STS"). Keys are compared
 * regardless of case, with the spelling preserved: "you cannot have separate Department and
 * department tag keys".
 */
export type PrincipalTags = Record<string, string>;

/** IAM and AWS STS quotas: 50 tags per user or role, 50 session tags per request. */
export const MAX_PRINCIPAL_TAGS = 50;

/**
 * A tag record from key/value pairs, later pairs winning. Keys become own data properties, so a
 * tag named `__proto__` (a valid tag key) is a tag like any other.
 */
export function tagRecord(pairs: Iterable<readonly [string, string]>): PrincipalTags {
  const out: PrincipalTags = {};
  for (const [k, v] of pairs) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** The form in which tag keys are compared. */
export const foldTagKey = (key: string): string => key.toLowerCase();

/** The reserved prefix ("You cannot create a tag key … that begins with the text aws:"). */
export const isReservedTagKey = (key: string): boolean => foldTagKey(key).startsWith('aws:');

/**
 * `base` with `overrides` applied: an override replaces a base tag whose key matches regardless of
 * case ("session tags override a role tag with the same key … the session tag passed in the request
 * takes precedence").
 */
export function overrideTags(base: PrincipalTags, overrides: PrincipalTags): PrincipalTags {
  const folded = new Set(Object.keys(overrides).map(foldTagKey));
  return tagRecord([...Object.entries(base).filter(([k]) => !folded.has(foldTagKey(k))), ...Object.entries(overrides)]);
}

/** The value of `key` in `tags`, matched regardless of case. */
export function tagValue(tags: PrincipalTags, key: string): string | undefined {
  const folded = foldTagKey(key);
  for (const [k, v] of Object.entries(tags)) if (foldTagKey(k) === folded) return v;
  return undefined;
}
