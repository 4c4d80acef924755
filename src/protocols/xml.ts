/**
 * The XML that awsQuery services (IAM, STS) answer with. A value tree becomes elements in
 * insertion order: arrays are lists of `<member>` elements (the awsQuery list form), dates are
 * ISO 8601 in UTC without fractional seconds (as IAM and STS send them), undefined is omitted.
 */
export type XmlValue = string | number | boolean | Date | undefined | XmlValue[] | XmlObject;
export interface XmlObject {
  [element: string]: XmlValue;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Characters XML 1.0 cannot carry at all (not even as references) become U+FFFD. */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '\uFFFD').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** `2024-03-01T12:34:56Z`. */
export const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function element(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  return `<${name}>${content(value)}</${name}>`;
}

function content(value: XmlValue): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return escapeXml(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return isoSeconds(value);
  if (Array.isArray(value)) return value.map((v) => element('member', v)).join('');
  return Object.entries(value).map(([k, v]) => element(k, v)).join('');
}

/** An element with children and an xmlns attribute. */
export function document(name: string, xmlns: string, children: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${name} xmlns="${escapeXml(xmlns)}">${children}</${name}>`;
}
