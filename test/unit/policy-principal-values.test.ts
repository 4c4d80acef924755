import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePolicy } from '../../src/policy/document.js';
import { evaluatePolicy } from '../../src/policy/statement.js';
import { ConditionContext } from '../../src/policy/context.js';
import { awsPrincipalValues, replacePrincipalValues } from '../../src/policy/principal-values.js';
import type { RequestPrincipal } from '../../src/policy/types.js';

const USER = 'arn:aws:iam::111122223333:user/alice';
const ID = 'AIDAALICE0000000000A';

describe('principal values of a policy text', () => {
  it('lists and rewrites only Principal/NotPrincipal "AWS" values, decoding escapes, keeping the layout', () => {
    const text = `{ "Version":"2012-10-17",\n  "Statement": [ {"Effect":"Allow", "Princ\\u0069pal": {"AWS": [ "arn:aws:iam::111122223333:user/ali\\u0063e", "111122223333" ]},
      "Action":"kms:*","Resource":"*", "Condition": {"StringEquals": {"aws:PrincipalArn": "${USER}"}}},
    {"Effect":"Deny","NotPrincipal":{"AWS":"${USER}"},"Action":"kms:Decrypt","Resource":"*"} ] }`;
    const compiled = parsePolicy(text, { principal: 'required' });
    assert.deepEqual(awsPrincipalValues(compiled).sort(), ['111122223333', USER]);
    const bound = replacePrincipalValues(text, new Map([[USER, ID]]));
    assert.equal(bound, text.replace('"arn:aws:iam::111122223333:user/ali\\u0063e"', `"${ID}"`).replace(`"NotPrincipal":{"AWS":"${USER}"}`, `"NotPrincipal":{"AWS":"${ID}"}`));
    // Condition values are never rewritten (AWS does not convert condition key ARNs to ids).
    assert.ok(bound.includes(`"aws:PrincipalArn": "${USER}"`));
    assert.equal(replacePrincipalValues(bound, new Map([[ID, USER]])), text.replace('ali\\u0063e', 'alice'));
  });

  it('a policy bound to a unique id matches that user, not a namesake, for Principal and NotPrincipal alike', () => {
    const alice: RequestPrincipal = { arn: USER, account: '111122223333', type: 'IAMUser', userName: 'alice', userId: ID };
    const namesake: RequestPrincipal = { ...alice, userId: 'AIDANEWALICE000000000' };
    const allow = parsePolicy(JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: ID }, Action: 'kms:*', Resource: '*' }] }), { principal: 'required' });
    const denyOthers = parsePolicy(JSON.stringify({
      Statement: [{ Effect: 'Deny', NotPrincipal: { AWS: ['111122223333', ID] }, Action: 'kms:*', Resource: '*' }],
    }), { principal: 'required' });
    const verdict = (p: typeof allow, who: RequestPrincipal) => {
      const ctx = new ConditionContext({ principal: who, action: 'kms:Encrypt', resource: '*', resourceAccount: '111122223333', conditionKeys: {} });
      return evaluatePolicy(p, who, 'kms:encrypt', '*', ctx);
    };
    assert.equal(verdict(allow, alice).allowCaller, true);
    assert.equal(verdict(allow, namesake).allowCaller, false);
    assert.equal(verdict(denyOthers, alice).deny, false);
    assert.equal(verdict(denyOthers, namesake).deny, true);
  });
});
