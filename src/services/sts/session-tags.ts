import { foldTagKey, tagRecord, tagValue, type PrincipalTags } from '../../domain/principal-tags.js';
import type { ContextValue } from '../../policy/types.js';
import { InvalidParameterValue } from '../../errors/aws-error.js';
import type { Principal } from '../../domain/call-context.js';
import { requestTagKeys } from '../iam/identity-tags.js';
import type { QueryServiceDeps } from '../iam/operation.js';
import { readTagKeys, readTags, type QueryInput } from '../iam/query-input.js';

/**
 * Session tags (IAM User Guide, "Passing session tags in AWS STS"; STS API Reference, AssumeRole
 * `Tags` and `TransitiveTagKeys`, GetFederationToken `Tags`). A session's principal tags are the
 * tags of its IAM identity overridden by these (src/auth/session-credentials.ts).
 */
export interface SessionTags {
  tags: PrincipalTags;
  /** Keys of `tags` that pass on to the sessions this one creates by role chaining. */
  transitiveTagKeys: string[];
}

export const NO_SESSION_TAGS: SessionTags = { tags: {}, transitiveTagKeys: [] };

/** `Tags` (at most 50, keys unique regardless of case, no `aws:`) and `TransitiveTagKeys`, each of which must name a passed tag. */
export function readSessionTags(input: QueryInput, withTransitive: boolean): SessionTags {
  const tags = tagRecord(readTags(input).map((t) => [t.Key, t.Value] as const));
  if (!withTransitive) return { tags, transitiveTagKeys: [] };
  const wanted = new Set(readTagKeys(input, 'TransitiveTagKeys').map(foldTagKey));
  const passed = Object.keys(tags);
  if ([...wanted].some((k) => !passed.some((p) => foldTagKey(p) === k))) {
    throw InvalidParameterValue('The specified transitive tag key must be included in the requested tags.');
  }
  return { tags, transitiveTagKeys: passed.filter((k) => wanted.has(foldTagKey(k))) };
}

/**
 * Role chaining ("Chaining roles with session tags"): a session created with a role session's
 * credentials inherits that session's transitive tags, which stay transitive. "If you pass a
 * session tag with the same key as an inherited tag, the operation fails."
 */
export async function withInheritedTags(deps: QueryServiceDeps, caller: Principal, requested: SessionTags): Promise<SessionTags> {
  if (caller.type !== 'AssumedRole' || !caller.session) return requested;
  const calling = await deps.store.sessions.get(caller.accessKeyId);
  const inheritedKeys = calling?.transitiveTagKeys ?? [];
  if (!calling || inheritedKeys.length === 0) return requested;
  const folded = new Set(inheritedKeys.map(foldTagKey));
  if (Object.keys(requested.tags).some((k) => folded.has(foldTagKey(k)))) {
    throw InvalidParameterValue(
      "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.",
    );
  }
  const inherited = inheritedKeys.map((k) => [k, tagValue(calling.tags, k) ?? ''] as const);
  return {
    tags: tagRecord([...inherited, ...Object.entries(requested.tags)]),
    transitiveTagKeys: [...inheritedKeys, ...requested.transitiveTagKeys],
  };
}

export const hasSessionTags = (s: SessionTags): boolean => Object.keys(s.tags).length > 0;

/**
 * Condition keys of a request that tags a session (IAM User Guide, "IAM and AWS STS condition
 * context keys"): `aws:RequestTag/<key>`, `aws:TagKeys` and `sts:TransitiveTagKeys`. Absent when the
 * session has no tags, so a condition on them does not match an untagged request.
 */
export function sessionTagConditionKeys(s: SessionTags): Record<string, ContextValue> {
  if (!hasSessionTags(s)) return {};
  return { ...requestTagKeys(s.tags), 'sts:TransitiveTagKeys': s.transitiveTagKeys };
}
