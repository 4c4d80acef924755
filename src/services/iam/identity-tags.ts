import { MAX_PRINCIPAL_TAGS, tagRecord, type PrincipalTags } from '../../domain/principal-tags.js';
import type { ContextValue } from '../../policy/types.js';
import { LimitExceeded, ValidationError } from '../../errors/aws-error.js';
import type { CallContext } from '../../domain/call-context.js';
import { authorizeIam } from './authorize.js';
import type { IdentitySide } from './identity-kinds.js';
import type { QueryOperation, QueryServiceDeps, QueryValue } from './operation.js';
import { paginate } from './paging.js';
import { readTagKeys, readTags, type QueryInput } from './query-input.js';

/**
 * Tags of users and roles (IAM API Reference, "TagUser", "UntagUser", "ListUserTags" and their Role
 * forms; IAM User Guide, "Tagging IAM resources"). The user and role actions differ only in names,
 * so both are built here; each action has its own file that names it.
 */

/** Tags in the IAM data type Tag; undefined (omitted) when there are none, as IAM answers. */
export function tagsXml(tags: PrincipalTags): QueryValue {
  const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  return list.length ? list : undefined;
}

/**
 * Condition keys of a request that sets tags (IAM User Guide, "Controlling access to and for IAM
 * users and roles using tags"): `aws:RequestTag/<key>` for each tag, and `aws:TagKeys`.
 */
export function requestTagKeys(tags: PrincipalTags): Record<string, ContextValue> {
  const keys: Record<string, ContextValue> = { 'aws:TagKeys': Object.keys(tags) };
  for (const [k, v] of Object.entries(tags)) keys[`aws:RequestTag/${k}`] = v;
  return keys;
}

/** The `Tags` member as a record, validated (CreateUser, CreateRole, TagUser, TagRole). */
export const readTagRecord = (input: QueryInput): PrincipalTags => tagRecord(readTags(input).map((t) => [t.Key, t.Value] as const));

/** IAM and AWS STS quotas: 50 tags per user or role. Message as IAM gives it for TagUser/TagRole. */
export const tooManyTags = () => LimitExceeded('The number of tags has reached the maximum limit.');

/**
 * Creating a user or role with tags also needs permission to tag it (IAM User Guide, "Permissions
 * required for tagging IAM entities"); the tags are condition keys of both checks.
 */
export async function authorizeCreateWithTags(
  deps: QueryServiceDeps, ctx: CallContext, noun: 'User' | 'Role', arn: string, tags: PrincipalTags,
): Promise<void> {
  const keys = Object.keys(tags).length ? requestTagKeys(tags) : undefined;
  await authorizeIam(deps, ctx, `Create${noun}`, arn, keys);
  if (keys) await authorizeIam(deps, ctx, `Tag${noun}`, arn, keys);
}

const NULL_TAGS = "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must not be null";
const NULL_TAG_KEYS = "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must not be null";

/** TagUser / TagRole: adds tags, replacing those with the same key regardless of case. */
export const tagIdentity = (side: IdentitySide): QueryOperation => async (input, ctx, deps) => {
  const owner = input.string(side.member, side.rule);
  if (!input.hasList('Tags')) throw ValidationError(NULL_TAGS);
  const tags = readTagRecord(input);
  await authorizeIam(deps, ctx, `Tag${side.noun}`, await side.resource(deps, ctx, owner), requestTagKeys(tags));
  const name = await side.require(deps, ctx, owner);
  if (!(await deps.store.iam.putTags(ctx.account, side.kind, name, tags, MAX_PRINCIPAL_TAGS))) throw tooManyTags();
  return undefined;
};

/** UntagUser / UntagRole: removes tags by key (regardless of case); keys not present are ignored. */
export const untagIdentity = (side: IdentitySide): QueryOperation => async (input, ctx, deps) => {
  const owner = input.string(side.member, side.rule);
  if (!input.hasList('TagKeys')) throw ValidationError(NULL_TAG_KEYS);
  const keys = readTagKeys(input, 'TagKeys');
  await authorizeIam(deps, ctx, `Untag${side.noun}`, await side.resource(deps, ctx, owner), { 'aws:TagKeys': keys });
  const name = await side.require(deps, ctx, owner);
  await deps.store.iam.removeTags(ctx.account, side.kind, name, keys);
  return undefined;
};

/** ListUserTags / ListRoleTags: sorted by key, paged like every IAM list. */
export const listIdentityTags = (side: IdentitySide): QueryOperation => async (input, ctx, deps) => {
  const owner = input.string(side.member, side.rule);
  await authorizeIam(deps, ctx, `List${side.noun}Tags`, await side.resource(deps, ctx, owner));
  const name = await side.require(deps, ctx, owner);
  const tags = Object.entries(await deps.store.iam.getTags(ctx.account, side.kind, name)).map(([Key, Value]) => ({ Key, Value }));
  const page = paginate(tags, input);
  return { Tags: page.items, IsTruncated: page.IsTruncated, Marker: page.Marker };
};
