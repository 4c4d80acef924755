import type { Explanation } from '../../services/explain/explain.js';

/** The explanation as text for a terminal. */
export function renderText(e: Explanation): string {
  const lines = [`${e.verdict}: ${e.request.principal} ${e.request.action} on ${e.request.resource} (in ${e.request.region})`];
  if (e.error) lines.push(`  the call gets ${e.error}${e.message ? `: ${e.message}` : ''}`);
  lines.push('', 'Decision path:');
  for (const s of e.path) lines.push(`  [${s.ok ? 'ok' : 'X '}] ${s.step}: ${s.detail}`);
  if (e.statements.length > 0) {
    lines.push('', 'Statements that matched or almost matched:');
    for (const s of e.statements) {
      lines.push(`  ${s.matched ? 'MATCHED' : 'missed '}${s.call ? ` [${s.call}]` : ''} ${s.effect} ${s.policy} statement ${s.statement}${s.failed.length ? ` — failed: ${s.failed.join(', ')}` : ''}`);
      for (const r of s.reasons) lines.push(`      ${r}`);
    }
  }
  lines.push('', `Minimal fix (${e.fix.kind}): ${e.fix.summary}`);
  if (e.fix.kind === 'PutKeyPolicy') lines.push(`  aws kms put-key-policy --key-id ${e.fix.target} --policy-name default --policy '${JSON.stringify(e.fix.policy)}'`);
  if (e.fix.kind === 'PutUserPolicy') lines.push(`  aws iam put-user-policy --user-name ${e.fix.target} --policy-name ${e.fix.policyName} --policy-document '${JSON.stringify(e.fix.policy)}'`);
  if (e.fix.kind === 'PutRolePolicy') lines.push(`  aws iam put-role-policy --role-name ${e.fix.target} --policy-name ${e.fix.policyName} --policy-document '${JSON.stringify(e.fix.policy)}'`);
  if (e.fix.kind === 'PutBucketPolicy') lines.push(`  aws s3api put-bucket-policy --bucket ${e.fix.target} --policy '${JSON.stringify(e.fix.policy)}'`);
  if (e.fix.kind === 'CreateGrant') lines.push(`  aws kms create-grant --cli-input-json '${JSON.stringify(e.fix.grant)}'`);
  if (e.fix.kind === 'RemoveDeny' && e.fix.statement) lines.push(`  the Deny: ${JSON.stringify(e.fix.statement)}`);
  return lines.join('\n');
}
