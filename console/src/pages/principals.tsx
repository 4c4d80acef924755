/** Principals: IAM users (with their inline and attached policies), roles, customer managed policies. */
import { useState } from 'preact/hooks';
import {
  GetPolicyCommand, GetPolicyVersionCommand, GetRolePolicyCommand, GetUserPolicyCommand, ListAttachedRolePoliciesCommand,
  ListAttachedUserPoliciesCommand, ListPoliciesCommand, ListRolePoliciesCommand, ListRolesCommand, ListUserPoliciesCommand, ListUsersCommand,
} from '@aws-sdk/client-iam';
import type { Clients } from '../aws';
import { ErrorBox, Json, useLoad } from '../ui';

export function PrincipalsPage({ c }: { c: Clients }) {
  const users = useLoad(async () => (await c.iam.send(new ListUsersCommand({}))).Users ?? [], [c]);
  const roles = useLoad(async () => (await c.iam.send(new ListRolesCommand({}))).Roles ?? [], [c]);
  const policies = useLoad(async () => (await c.iam.send(new ListPoliciesCommand({ Scope: 'Local' }))).Policies ?? [], [c]);
  return (
    <section>
      <h1 tabIndex={-1}>Principals</h1>
      <h2>Users</h2>
      <ErrorBox error={users.error} />
      <ul class="cards">{(users.data ?? []).map((u) => <li key={u.UserName}><Principal c={c} kind="user" name={u.UserName!} arn={u.Arn!} /></li>)}</ul>
      <h2>Roles</h2>
      <ErrorBox error={roles.error} />
      <ul class="cards">{(roles.data ?? []).map((r) => <li key={r.RoleName}><Principal c={c} kind="role" name={r.RoleName!} arn={r.Arn!} trust={r.AssumeRolePolicyDocument} /></li>)}</ul>
      <h2>Customer managed policies</h2>
      <ErrorBox error={policies.error} />
      <ul class="cards">{(policies.data ?? []).map((p) => <li key={p.Arn}><ManagedPolicy c={c} arn={p.Arn!} name={p.PolicyName!} /></li>)}</ul>
    </section>
  );
}

function decode(doc: string | undefined): unknown {
  if (!doc) return {};
  try {
    return JSON.parse(decodeURIComponent(doc));
  } catch {
    return doc;
  }
}

function Principal({ c, kind, name, arn, trust }: { c: Clients; kind: 'user' | 'role'; name: string; arn: string; trust?: string }) {
  const [open, setOpen] = useState(false);
  const detail = useLoad(async () => {
    if (!open) return undefined;
    if (kind === 'user') {
      const inline = (await c.iam.send(new ListUserPoliciesCommand({ UserName: name }))).PolicyNames ?? [];
      const docs = await Promise.all(inline.map(async (p) => [p, decode((await c.iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: p }))).PolicyDocument)] as const));
      const attached = (await c.iam.send(new ListAttachedUserPoliciesCommand({ UserName: name }))).AttachedPolicies ?? [];
      return { inline: Object.fromEntries(docs), attached: attached.map((a) => a.PolicyArn) };
    }
    const inline = (await c.iam.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? [];
    const docs = await Promise.all(inline.map(async (p) => [p, decode((await c.iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: p }))).PolicyDocument)] as const));
    const attached = (await c.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies ?? [];
    return { trust: decode(trust), inline: Object.fromEntries(docs), attached: attached.map((a) => a.PolicyArn) };
  }, [c, open, name]);
  return (
    <details onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>{name} <span class="muted">{arn}</span></summary>
      <ErrorBox error={detail.error} />
      {detail.data ? <Json label={`Policies of ${kind} ${name}`} value={detail.data} /> : null}
    </details>
  );
}

function ManagedPolicy({ c, arn, name }: { c: Clients; arn: string; name: string }) {
  const [open, setOpen] = useState(false);
  const doc = useLoad(async () => {
    if (!open) return undefined;
    const p = (await c.iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy!;
    return decode((await c.iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: p.DefaultVersionId! }))).PolicyVersion?.Document);
  }, [c, open, arn]);
  return (
    <details onToggle={(e) => setOpen((e.currentTarget as HTMLDetailsElement).open)}>
      <summary>{name} <span class="muted">{arn}</span></summary>
      <ErrorBox error={doc.error} />
      {doc.data ? <Json label={`Policy ${name}`} value={doc.data} /> : null}
    </details>
  );
}
