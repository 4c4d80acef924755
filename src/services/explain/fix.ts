/**
 * The smallest change that turns a denial into an allow, as something to send: a key policy
 * (PutKeyPolicy takes the whole document), an inline identity policy (PutUserPolicy /
 * PutRolePolicy), a grant, or the explicit Deny to remove (an explicit Deny always wins:
 * KMS Developer Guide, "Determining access to a KMS key").
 */
import type { AccessExplanation, StatementExplanation } from '../../policy/explain.js';
import { accountRootArn } from '../../domain/arn.js';
import type { EncryptionContext } from '../../domain/encryption-context.js';
import type { Gathered } from './gather.js';

export interface Fix {
  kind: 'PutKeyPolicy' | 'PutUserPolicy' | 'PutRolePolicy' | 'PutBucketPolicy' | 'CreateGrant' | 'EnableKey' | 'CancelKeyDeletion' | 'RemoveDeny' | 'Region' | 'UseService' | 'None';
  summary: string;
  /** For PutUserPolicy / PutRolePolicy: the user or role; for CreateGrant: the grantee; for PutKeyPolicy the key, for PutBucketPolicy the bucket. */
  target?: string;
  /** The statement to add or change, or the Deny to remove. */
  statement?: object;
  /** The whole document to send (PutKeyPolicy replaces the key policy; inline policies are new). */
  policy?: object;
  policyName?: string;
  grant?: object;
}

/** The inline policy a fix adds, one per action so fixes for different actions don't replace each other. */
export const fixPolicyName = (action: string) => `locksmith-explain-${action.replace(':', '-')}`;

interface Facts {
  delegates: boolean;
  keyAllows: boolean;
  identityAllows: boolean;
  encryptionContext?: EncryptionContext;
}

export function suggestFix(g: Gathered, d: AccessExplanation, f: Facts): Fix {
  const key = g.key!;
  const action = `kms:${g.operation}`;
  const reason = d.decision?.allowed === false ? d.decision.reason : undefined;
  if (reason?.startsWith('explicitDeny')) {
    const deny = d.policies.flatMap((p) => p.statements.filter((s) => s.effect === 'Deny' && s.matched).map((s) => ({ p, s })))[0];
    if (deny) {
      return { kind: 'RemoveDeny', summary: `remove this Deny (${deny.p.kind} ${deny.p.name}, statement ${deny.s.sid ?? `#${deny.s.index + 1}`}): an explicit Deny wins over every Allow`, statement: rawStatement(deny.p.kind === 'keyPolicy' ? key.policy : g.identityPolicies.find((i) => i.name === deny.p.name)?.document, deny.s.index) };
    }
  }
  if (reason === 'noSessionAllow') {
    return { kind: 'None', summary: `the session policy passed at AssumeRole does not allow ${action}: start a new session whose session policy allows it, or none` };
  }
  // A key-policy Allow for the caller that failed only on a condition: widen that condition.
  const almost = d.policies.find((p) => p.kind === 'keyPolicy')!.statements.find((s) => s.effect === 'Allow' && !s.matched && conditionOnly(s));
  if (key.keyManager === 'AWS' && !f.keyAllows) {
    return { kind: 'UseService', summary: `${key.arn} is an AWS managed key: its policy allows use only through the AWS service that created it (kms:ViaService) and cannot be changed. Call through that service, or create a customer managed key you can grant ${action} on` };
  }
  if (reason === 'noResourceAllow' || (!f.keyAllows && !f.delegates)) {
    if (almost && !(almost.principal && !almost.principal.matched)) return widenCondition(key.policy, almost, g);
    const doc = JSON.parse(key.policy) as { Version?: string; Statement: object[] | object };
    const list = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    const sameAccount = g.principal.account === key.account;
    const statement = sameAccount && f.identityAllows
      ? { Sid: 'EnableIAMUserPermissions', Effect: 'Allow', Principal: { AWS: accountRootArn(key.account) }, Action: 'kms:*', Resource: '*' }
      : { Sid: `Allow${g.operation}`, Effect: 'Allow', Principal: { AWS: callerPolicyArn(g) }, Action: action, Resource: '*' };
    const summary = statement.Sid === 'EnableIAMUserPermissions'
      ? `the key policy does not delegate to IAM: add the account statement so ${g.principal.arn}'s IAM policy (which allows ${action}) takes effect`
      : `the key policy does not allow ${callerPolicyArn(g)}: add a statement allowing ${action}${sameAccount ? '' : ' (cross-account: the caller\'s own IAM policy must allow it too)'}`;
    return { kind: 'PutKeyPolicy', summary, target: key.arn, statement, policy: { ...doc, Statement: [...list, statement] } };
  }
  // The key policy lets IAM decide (or allows the caller) but no identity policy allows.
  const grantFix = grantConstraintFix(g, f.encryptionContext);
  if (grantFix) return grantFix;
  const statement = { Sid: `Allow${g.operation}`, Effect: 'Allow', Action: action, Resource: key.arn };
  const policy = { Version: '2012-10-17', Statement: [statement] };
  if (g.principal.type === 'AssumedRole') {
    return { kind: 'PutRolePolicy', target: g.principal.roleName, policyName: fixPolicyName(action), statement, policy, summary: `no IAM policy of role ${g.principal.roleName} allows ${action} on the key: add this inline policy` };
  }
  if (g.principal.type === 'IAMUser') {
    return { kind: 'PutUserPolicy', target: g.principal.userName, policyName: fixPolicyName(action), statement, policy, summary: `no IAM policy of user ${g.principal.userName} allows ${action} on the key: add this inline policy` };
  }
  return { kind: 'None', summary: `no policy allows ${action}` };
}

/** The ARN a key policy names the caller by: the role for a role session, else the caller. */
function callerPolicyArn(g: Gathered): string {
  return g.principal.roleArn ?? g.principal.arn;
}

function conditionOnly(s: StatementExplanation): boolean {
  return (!s.principal || s.principal.matched) && s.action.matched && s.resource.matched && s.conditions.some((c) => !c.matched);
}

/** Adds the value the request carries to each failing condition of the statement. */
function widenCondition(policyText: string, s: StatementExplanation, g: Gathered): Fix {
  const doc = JSON.parse(policyText) as { Statement: Record<string, unknown>[] | Record<string, unknown> };
  const list = Array.isArray(doc.Statement) ? [...doc.Statement] : [doc.Statement];
  const original = list[s.index]!;
  const condition = structuredClone(original.Condition) as Record<string, Record<string, string | string[]>>;
  const changes: string[] = [];
  for (const c of s.conditions.filter((x) => !x.matched)) {
    const block = condition[c.operator]!;
    const name = Object.keys(block).find((k) => k.toLowerCase() === c.key.toLowerCase())!;
    const old = ([] as string[]).concat(block[name]!);
    if (c.actual === null) {
      changes.push(`${c.key} is absent from the request: send it (one of ${JSON.stringify(old)}), or drop the condition`);
      continue;
    }
    block[name] = [...old, ...c.actual.filter((v) => !old.includes(v))];
    changes.push(`${c.operator} ${c.key}: the request has ${JSON.stringify(c.actual)}, the statement wants ${JSON.stringify(old)}`);
  }
  const statement = { ...original, Condition: condition };
  list[s.index] = statement;
  return {
    kind: 'PutKeyPolicy', target: g.key!.arn, statement, policy: { ...doc, Statement: list },
    summary: `key policy statement ${s.sid ?? `#${s.index + 1}`} almost allows: ${changes.join('; ')}. Either send the expected value, or admit the one seen (the policy below)`,
  };
}

function grantConstraintFix(g: Gathered, ec: EncryptionContext | undefined): Fix | undefined {
  const near = g.grants.find((x) => x.operations.includes(g.operation));
  if (!near) return undefined;
  const constraints = near.constraints?.EncryptionContextEquals ? { EncryptionContextEquals: ec ?? {} } : { EncryptionContextSubset: ec ?? {} };
  const grant = { KeyId: g.key!.arn, GranteePrincipal: callerPolicyArn(g), Operations: [g.operation], Constraints: constraints };
  return {
    kind: 'CreateGrant', target: callerPolicyArn(g), grant,
    summary: `grant ${near.grantId} allows ${g.operation} only with ${JSON.stringify(near.constraints)}; the request's encryption context is ${JSON.stringify(ec ?? {})}: send the context the grant names, or create a grant for this one`,
  };
}

export function rawStatement(policyText: string | undefined, index: number): object | undefined {
  if (!policyText) return undefined;
  const doc = JSON.parse(policyText) as { Statement: object[] | object };
  return Array.isArray(doc.Statement) ? doc.Statement[index] : doc.Statement;
}
