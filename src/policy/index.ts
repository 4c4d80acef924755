/** The policy engine: a pure module (no I/O) — parse, evaluate, explain. */
export { parsePolicy, clearPolicyCache, policyCacheSize, POLICY_CACHE_LIMIT } from './document.js';
export type { CompiledPolicy, CompiledStatement, ParseOptions, PolicyVersion, PrincipalRule } from './document.js';
export { accessDeniedMessage, evaluateIdentityAccess, evaluateKmsAccess } from './evaluate.js';
export { explainKmsAccess } from './explain.js';
export type { AccessExplanation, ConditionExplanation, ElementExplanation, PolicyExplanation, PrincipalExplanation, StatementExplanation } from './explain.js';
export { ConditionContext } from './context.js';
export { evaluatePolicy, type PolicyVerdict } from './statement.js';
export type * from './types.js';
