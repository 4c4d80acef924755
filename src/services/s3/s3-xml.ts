/**
 * S3's XML documents: request bodies parsed into plain trees (strings), responses built as
 * `<Root xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` documents (S3 API Reference).
 */
import { XMLParser } from 'fast-xml-parser';
import { AwsError } from '../../errors/aws-error.js';
import { MalformedXML } from '../../errors/s3-errors.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
/** Characters XML 1.0 cannot carry become U+FFFD (keys may hold any character; S3 answers url-encoded listings for them). */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const escapeXml = (text: string) => text.replace(NOT_XML, '\uFFFD').replace(/[&<>"']/g, (c) => ESCAPES[c]!);

type XmlValue = unknown;

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  isArray: (name) => ['Object', 'Part', 'Tag'].includes(name),
});

/** XML 1.0 §2.2 (Char) excludes #x0, raw or as a character reference: such a document is not well-formed. */
const holdsNul = (v: unknown): boolean =>
  typeof v === 'string' ? v.includes('\u0000') : typeof v === 'object' && v !== null && Object.entries(v).some(([k, x]) => k.includes('\u0000') || holdsNul(x));

/** A request's XML body as a plain tree (strings), or MalformedXML. */
export function parseXmlBody(body: Buffer): Record<string, any> {
  try {
    const text = body.toString('utf8');
    if (text.trim() === '') throw MalformedXML();
    const tree = parser.parse(text, true);
    if (typeof tree !== 'object' || tree === null || holdsNul(tree)) throw MalformedXML();
    return tree;
  } catch (e) {
    if (e instanceof AwsError) throw e;
    throw MalformedXML();
  }
}

/** An S3 XML document: `<Root xmlns="…">` with children; arrays repeat the child's own element name. */
export function xmlDocument(root: string, children: Record<string, XmlValue>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_XMLNS}">${xmlChildren(children)}</${root}>`;
}

export function xmlChildren(children: Record<string, unknown>): string {
  let out = '';
  for (const [name, value] of Object.entries(children)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out += `<${name}>${xmlValue(v)}</${name}>`;
  }
  return out;
}

function xmlValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return xmlChildren(v as Record<string, unknown>);
  return escapeXml(String(v));
}

