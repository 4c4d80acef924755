import type { Random } from '../../crypto/random.js';
import { NoSuchEntity, ValidationError } from '../../errors/aws-error.js';
import type { IamRole, IamUser, ManagedPolicy } from '../../store/iam-ports.js';
import type { CallContext } from '../../domain/call-context.js';
import type { QueryResult, QueryServiceDeps, QueryValue } from './operation.js';

/**
 * IAM identifiers (IAM User Guide, "IAM identifiers"): ARNs carry the path
 * (`arn:aws:iam::<acct>:user/<path><name>`), unique ids a 4-letter prefix (AIDA users, AROA roles,
 * ANPA managed policies) and 17 upper-case letters or digits.
 */
export const userArn = (account: string, path: string, name: string) => `arn:aws:iam::${account}:user${path}${name}`;
export const roleArn = (account: string, path: string, name: string) => `arn:aws:iam::${account}:role${path}${name}`;
export const policyArn = (account: string, path: string, name: string) => `arn:aws:iam::${account}:policy${path}${name}`;

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export function uniqueId(random: Random, prefix: 'AIDA' | 'AROA' | 'ANPA' | 'ASIA', length = 17): string {
  return prefix + [...random.bytes(length)].map((b) => ID_ALPHABET[b & 31]).join('');
}

const POLICY_ARN = /^arn:aws:iam::(\d{12}|aws):policy(\/(?:[^/]+\/)*)([^/]+)$/;
export function parsePolicyArn(arn: string): { account: string; path: string; name: string } | undefined {
  const m = POLICY_ARN.exec(arn);
  return m ? { account: m[1], path: m[2], name: m[3] } : undefined;
}

const ROLE_ARN = /^arn:aws:iam::(\d{12}):role(\/(?:[^/]+\/)*)([\w+=,.@-]+)$/;
export function parseRoleArn(arn: string): { account: string; path: string; name: string } | undefined {
  const m = ROLE_ARN.exec(arn);
  return m ? { account: m[1], path: m[2], name: m[3] } : undefined;
}

export const noSuchUser = (name: string) => NoSuchEntity(`The user with name ${name} cannot be found.`);
export const noSuchRole = (name: string) => NoSuchEntity(`The role with name ${name} cannot be found.`);
export const noSuchPolicy = (arn: string) => NoSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
export const nonUserCredentials = () => ValidationError('Must specify userName when calling with non-User credentials');

export async function requireUser(deps: QueryServiceDeps, ctx: CallContext, name: string): Promise<IamUser> {
  const user = await deps.store.iam.getUser(ctx.account, name);
  if (!user) throw noSuchUser(name);
  return user;
}

export async function requireRole(deps: QueryServiceDeps, ctx: CallContext, name: string): Promise<IamRole> {
  const role = await deps.store.iam.getRole(ctx.account, name);
  if (!role) throw noSuchRole(name);
  return role;
}

/** The resource ARN of a user that may not exist: with its path when it does (authorization runs first). */
export async function userResource(deps: QueryServiceDeps, ctx: CallContext, name: string): Promise<{ arn: string; user?: IamUser }> {
  const user = await deps.store.iam.getUser(ctx.account, name);
  return { arn: user?.arn ?? userArn(ctx.account, '/', name), user };
}

export async function roleResource(deps: QueryServiceDeps, ctx: CallContext, name: string): Promise<{ arn: string; role?: IamRole }> {
  const role = await deps.store.iam.getRole(ctx.account, name);
  return { arn: role?.arn ?? roleArn(ctx.account, '/', name), role };
}

/** RFC 3986 percent-encoding: IAM returns policy documents "URL-encoded compliant with RFC 3986". */
export function urlEncoded(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

// Response shapes (IAM API Reference, data types User, Role, Policy).
// Tags: given by CreateX and GetX only ("resource-listing operations … do not return tags", ListUsers).
export const userXml = (u: IamUser, tags?: QueryValue): QueryResult => ({
  Path: u.path, UserName: u.userName, UserId: u.userId, Arn: u.arn, CreateDate: u.createDate, Tags: tags,
});

export function roleXml(r: IamRole, opts: { lastUsed?: boolean; tags?: QueryValue } = {}): QueryResult {
  return {
    Path: r.path,
    RoleName: r.roleName,
    RoleId: r.roleId,
    Arn: r.arn,
    CreateDate: r.createDate,
    AssumeRolePolicyDocument: urlEncoded(r.assumeRolePolicyDocument),
    Description: r.description === '' ? undefined : r.description,
    MaxSessionDuration: r.maxSessionDuration,
    Tags: opts.tags,
    RoleLastUsed: opts.lastUsed ? {} : undefined,
  };
}

export function policyXml(p: ManagedPolicy, attachmentCount: number, withDescription = false): QueryResult {
  return {
    PolicyName: p.policyName,
    PolicyId: p.policyId,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: attachmentCount,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: withDescription && p.description !== '' ? p.description : undefined,
    CreateDate: p.createDate,
    UpdateDate: p.updateDate,
  };
}
