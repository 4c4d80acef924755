import type { CompiledPolicy } from './document.js';

/**
 * The `"AWS"` values of a policy's Principal / NotPrincipal elements, and rewriting them in the
 * policy text. AWS stores an IAM user or role named by ARN as that principal's unique id and shows
 * the ARN again on reading, or the id once the principal is gone (IAM User Guide, "AWS JSON policy
 * elements: Principal", IAM user and IAM role principals). Rewriting works on the JSON tokens so
 * the document keeps its layout; values are compared decoded, so `\u` escapes change nothing.
 */

/** Every distinct `Principal`/`NotPrincipal` `"AWS"` value of a compiled policy, as parsed. */
export function awsPrincipalValues(policy: CompiledPolicy): string[] {
  const values = new Set<string>();
  for (const s of policy.statements) {
    const raw = s.principal?.raw;
    if (raw && raw !== '*') for (const v of raw.AWS ?? []) values.add(v);
  }
  return [...values];
}

const PRINCIPAL_KEYS = new Set(['Principal', 'NotPrincipal']);

/**
 * Replaces each `Statement[].Principal|NotPrincipal.AWS` string (or array item) whose decoded value
 * is a key of `map` by the mapped value. `text` must be a policy that already parsed (it is valid
 * JSON of bounded depth); everything outside those strings is kept byte for byte.
 */
export function replacePrincipalValues(text: string, map: ReadonlyMap<string, string>): string {
  if (map.size === 0) return text;
  const out: string[] = [];
  let last = 0;
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const string = (): string => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const inPrincipal = (path: readonly string[]) =>
    path.length === 3 && path[0] === 'Statement' && PRINCIPAL_KEYS.has(path[1]) && path[2] === 'AWS';
  const value = (path: readonly string[]): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (c === '{') {
          const key = string();
          ws();
          i++; // ':'
          value([...path, key]);
        } else value(path); // array items keep their parent's path
        ws();
        if (text[i++] === close) return;
      }
    }
    if (c === '"') {
      const start = i;
      const decoded = string();
      const replacement = inPrincipal(path) ? map.get(decoded) : undefined;
      if (replacement !== undefined) {
        out.push(text.slice(last, start), JSON.stringify(replacement));
        last = i;
      }
      return;
    }
    while (i < text.length && !',}] \t\n\r'.includes(text[i])) i++; // number, true, false, null
  };
  value([]);
  out.push(text.slice(last));
  return out.join('');
}
