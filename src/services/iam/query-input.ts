import { isReservedTagKey, MAX_PRINCIPAL_TAGS } from '../../domain/principal-tags.js';
import { SECRET_MEMBERS } from '../../model/secret-members.js';
import { InvalidInput, InvalidParameterValue, MalformedInput, MissingParameter, ValidationError } from '../../errors/aws-error.js';

/**
 * awsQuery request members ("Query API requests": `Name=value`, lists as `Name.member.N`,
 * structures in lists as `Name.member.N.Field`) with the constraints of the IAM and STS models.
 * IAM reports constraint failures without the value ("Value at 'userName' …") and uses its own
 * texts for names and paths; STS shows the value in Coral's form ("Value 'x' at 'roleSessionName' …").
 */
export type QueryStyle = 'iam' | 'sts';

export interface StringRule {
  required?: boolean;
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** The pattern as the model writes it, for the error text. */
  patternText?: string;
  /** IAM's own message for a pattern failure. */
  kind?: 'name' | 'path' | 'pathPrefix' | 'document';
}

export type RequiredRule = StringRule & { required: true };

export interface IntRule {
  min: number;
  max: number;
}

const NAME_TEXT = 'It must contain only alphanumeric characters and/or the following: +=,.@_-';
const KIND_TEXT = {
  name: NAME_TEXT,
  path: 'It must begin and end with / and contain only alphanumeric characters and/or / characters.',
  pathPrefix: 'It must begin with the / character and contain only alphanumeric characters and/or / characters.',
  document: 'It must contain only printable ASCII characters.',
};

const memberPath = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);
const oneError = (text: string) => ValidationError(`1 validation error detected: ${text}`);

export class QueryInput {
  constructor(
    private readonly params: ReadonlyMap<string, string>,
    readonly style: QueryStyle,
  ) {}

  has(name: string): boolean {
    return this.params.has(name);
  }

  /** Present with a non-empty value (some clients send `UserName=` for "not given"). */
  given(name: string): boolean {
    return (this.params.get(name) ?? '') !== '';
  }

  /** A string member checked against its model constraints; undefined when absent and optional. */
  string(name: string, rule: StringRule & { required: true }, path?: string): string;
  string(name: string, rule?: StringRule, path?: string): string | undefined;
  string(name: string, rule: StringRule = {}, path = memberPath(name)): string | undefined {
    const v = this.params.get(name);
    if (v === undefined) {
      if (rule.required) throw oneError(`Value at '${path}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    // Secrets (MFA codes, assertions, tokens) are never echoed, whatever the service's style.
    const at = this.style === 'sts' && !SECRET_MEMBERS.has(name) ? `Value '${v}' at '${path}'` : `Value at '${path}'`;
    const length = [...v].length;
    if (rule.pattern && !rule.pattern.test(v)) {
      if (this.style === 'iam' && rule.kind) throw ValidationError(`The specified value for ${path} is invalid. ${KIND_TEXT[rule.kind]}`);
      throw oneError(`${at} failed to satisfy constraint: Member must satisfy regular expression pattern: ${rule.patternText}`);
    }
    if (rule.min !== undefined && length < rule.min) {
      throw oneError(`${at} failed to satisfy constraint: Member must have length greater than or equal to ${rule.min}`);
    }
    if (rule.max !== undefined && length > rule.max) {
      throw oneError(`${at} failed to satisfy constraint: Member must have length less than or equal to ${rule.max}`);
    }
    return v;
  }

  int(name: string, rule: IntRule, path = memberPath(name)): number | undefined {
    const v = this.params.get(name);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw MalformedInput();
    const n = Number(v);
    const at = this.style === 'sts' || name === 'MaxItems' ? `Value '${v}' at '${path}'` : `Value at '${path}'`;
    if (name === 'MaxItems' && (n < rule.min || n > rule.max)) {
      throw oneError(`${at} failed to satisfy constraint: Member must have value between ${rule.min} and ${rule.max}`);
    }
    if (n < rule.min) throw oneError(`${at} failed to satisfy constraint: Member must have value greater than or equal to ${rule.min}`);
    if (n > rule.max) throw oneError(`${at} failed to satisfy constraint: Member must have value less than or equal to ${rule.max}`);
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.params.get(name);
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false') throw MalformedInput();
    return v === 'true';
  }

  enumeration<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.params.get(name);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) {
      throw oneError(`Value '${v}' at '${memberPath(name)}' failed to satisfy constraint: Member must satisfy enum value set: [${values.join(', ')}]`);
    }
    return v as T;
  }

  /** Whether any `Name…` member was sent (an empty list is sent as `Name=`). */
  hasList(name: string): boolean {
    for (const k of this.params.keys()) if (k === name || k.startsWith(`${name}.`)) return true;
    return false;
  }

  /** `Name.member.N` strings, in N order. */
  members(name: string): string[] {
    const prefix = `${name}.member.`;
    const byIndex: [number, string][] = [];
    for (const [k, v] of this.params) {
      if (k.startsWith(prefix) && /^\d+$/.test(k.slice(prefix.length))) byIndex.push([Number(k.slice(prefix.length)), v]);
    }
    return byIndex.sort(([a], [b]) => a - b).map(([, v]) => v);
  }

  /** `Name.member.N.Field…` structures, in N order; a missing required field is MissingParameter. */
  structures(name: string, fields: readonly string[], required: readonly string[] = fields): Record<string, string>[] {
    const prefix = `${name}.member.`;
    const byIndex = new Map<number, Record<string, string>>();
    for (const [k, v] of this.params) {
      if (!k.startsWith(prefix)) continue;
      const m = /^(\d+)\.(\w+)$/.exec(k.slice(prefix.length));
      if (!m || !fields.includes(m[2])) continue;
      const i = Number(m[1]);
      const entry = byIndex.get(i) ?? {};
      entry[m[2]] = v;
      byIndex.set(i, entry);
    }
    return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([i, entry]) => {
      for (const f of required) if (entry[f] === undefined) throw MissingParameter(`The request must contain the parameter ${prefix}${i}.${f}.`);
      return entry;
    });
  }
}

// Constraints from the IAM and STS models (botocore iam/2010-05-08, sts/2011-06-15).
const NAME = /^[\w+=,.@-]+$/;
const nameRule = (max: number) => ({ required: true as const, min: 1, max, pattern: NAME, patternText: '[\\w+=,.@-]+', kind: 'name' as const });
/** userNameType (CreateUser, Attach…) and existingUserNameType (up to 128, for users made before the 64 limit). */
export const userNameRule: RequiredRule = nameRule(64);
export const existingUserNameRule: RequiredRule = nameRule(128);
export const optionalUserNameRule: StringRule = { ...nameRule(128), required: false };
export const roleNameRule: RequiredRule = { required: true, min: 1, max: 64, pattern: NAME, patternText: '[\\w+=,.@-]+', kind: 'name' };
export const policyNameRule: RequiredRule = { required: true, min: 1, max: 128, pattern: NAME, patternText: '[\\w+=,.@-]+', kind: 'name' };
export const pathRule: StringRule = { min: 1, max: 512, pattern: /^(?:\/|\/[\u0021-\u007E]+\/)$/, kind: 'path' };
export const policyPathRule: StringRule = { min: 1, max: 512, pattern: /^(?:\/[A-Za-z0-9.,+@=_-]+)*\/$/, kind: 'path' };
export const pathPrefixRule: StringRule = { min: 1, max: 512, pattern: /^\/[\u0021-\u007F]*$/, kind: 'pathPrefix' };
export const documentRule: RequiredRule = {
  required: true, min: 1, max: 131072, pattern: /^[\u0009\u000A\u000D\u0020-\u00FF]+$/, kind: 'document',
  patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+',
};
export const arnRule: RequiredRule = { required: true, min: 20, max: 2048 };
export const markerRule: StringRule = { min: 1, max: 320, pattern: /^[\u0020-\u00FF]+$/, patternText: '[\\u0020-\\u00FF]+' };
export const MAX_ITEMS: IntRule = { min: 1, max: 1000 };

const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const TAG_KEY_TEXT = '[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+';

/**
 * `Tags.member.N.Key/Value` (tagListType: at most 50; keys 1–128, values 0–256 characters) with the
 * IAM and STS tagging rules (IAM User Guide, "Rules for tagging in IAM and AWS STS"): keys unique
 * regardless of case, none beginning with the reserved `aws:`. IAM answers InvalidInput for the
 * rules, STS InvalidParameterValue.
 */
export function readTags(input: QueryInput): { Key: string; Value: string }[] {
  const tags = input.structures('Tags', ['Key', 'Value']);
  const at = (i: number, f: string) => `Value at 'tags.${i}.member.${f}'`;
  if (tags.length > MAX_PRINCIPAL_TAGS) {
    throw oneError(`Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PRINCIPAL_TAGS}`);
  }
  tags.forEach((t, n) => {
    const i = n + 1;
    if ([...t.Key].length > 128) throw oneError(`${at(i, 'key')} failed to satisfy constraint: Member must have length less than or equal to 128`);
    if (!TAG_KEY.test(t.Key)) throw oneError(`${at(i, 'key')} failed to satisfy constraint: Member must satisfy regular expression pattern: ${TAG_KEY_TEXT}`);
    if ([...t.Value].length > 256) throw oneError(`${at(i, 'value')} failed to satisfy constraint: Member must have length less than or equal to 256`);
    if (!TAG_VALUE.test(t.Value)) throw oneError(`${at(i, 'value')} failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*`);
  });
  const rule = input.style === 'sts' ? InvalidParameterValue : InvalidInput;
  const keys = tags.map((t) => t.Key.toLowerCase());
  if (new Set(keys).size !== keys.length) throw rule('Duplicate tag keys found. Please note that Tag keys are case insensitive.');
  if (tags.some((t) => isReservedTagKey(t.Key))) throw rule(RESERVED_TAG_KEY);
  return tags as { Key: string; Value: string }[];
}

/** Not an AWS-confirmed text: the IAM User Guide states the rule ("reserved for AWS internal use"), not the message. */
export const RESERVED_TAG_KEY = "Tag keys starting with 'aws:' are reserved for AWS internal use.";

/** A list of tag keys (tagKeyListType: at most 50 keys of 1–128 characters), e.g. UntagUser TagKeys, AssumeRole TransitiveTagKeys. */
export function readTagKeys(input: QueryInput, name: string): string[] {
  const path = memberPath(name);
  const keys = input.members(name);
  if (keys.length > MAX_PRINCIPAL_TAGS) {
    throw oneError(`Value at '${path}' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PRINCIPAL_TAGS}`);
  }
  keys.forEach((k, n) => {
    const at = `Value at '${path}.${n + 1}.member'`;
    if ([...k].length > 128) throw oneError(`${at} failed to satisfy constraint: Member must have length less than or equal to 128`);
    if (!TAG_KEY.test(k)) throw oneError(`${at} failed to satisfy constraint: Member must satisfy regular expression pattern: ${TAG_KEY_TEXT}`);
  });
  return keys;
}
