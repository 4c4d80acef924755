import type { RootKeyring } from '../../crypto/root-keyring.js';

/**
 * The ImportToken of GetParametersForImport, stateless: the wrapping private key and its
 * parameters sealed under the root key (AES-256-GCM through RootKeyring.wrap), with the KMS key's
 * ARN as AAD, so a token only opens for the key it was issued for. Nothing is stored.
 *
 * Sealed payload, version 1:
 *   offset  size  field
 *   0       1     wrapping algorithm (index in TOKEN_ALGORITHMS)
 *   1       1     wrapping key spec (index in TOKEN_KEY_SPECS)
 *   2       8     ParametersValidTo, milliseconds since the epoch, unsigned big-endian
 *   10      n     wrapping private key, PKCS#8 DER
 * An RSA_4096 token is about 2.4 KB, well below the 6144 bytes of CiphertextType.
 */
export const TOKEN_ALGORITHMS = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256'];
export const TOKEN_KEY_SPECS = ['RSA_2048', 'RSA_3072', 'RSA_4096'];
/** "Each public key and import token set is valid for 24 hours" (GetParametersForImport). */
export const IMPORT_PARAMETERS_VALIDITY_MS = 24 * 60 * 60 * 1000;

export interface ImportParameters {
  wrappingAlgorithm: string;
  wrappingKeySpec: string;
  validTo: Date;
  /** The wrapping private key, PKCS#8 DER. The caller wipes it. */
  privateKey: Buffer;
}

const HEADER_BYTES = 10;
const tokenAad = (keyArn: string) => `locksmith:import-token:v1:${keyArn}`;

export function sealImportToken(keyring: RootKeyring, keyArn: string, p: ImportParameters): Buffer {
  const algorithm = TOKEN_ALGORITHMS.indexOf(p.wrappingAlgorithm);
  const spec = TOKEN_KEY_SPECS.indexOf(p.wrappingKeySpec);
  if (algorithm < 0 || spec < 0) throw new Error('unsupported import parameters');
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = algorithm;
  header[1] = spec;
  header.writeBigUInt64BE(BigInt(p.validTo.getTime()), 2);
  const payload = Buffer.concat([header, p.privateKey]);
  try {
    return keyring.wrap(payload, tokenAad(keyArn));
  } finally {
    payload.fill(0);
  }
}

/** The parameters of a token issued for this key; undefined for anything else (InvalidImportTokenException). */
export function openImportToken(keyring: RootKeyring, keyArn: string, token: Buffer): ImportParameters | undefined {
  let payload: Buffer;
  try {
    payload = keyring.unwrap(token, tokenAad(keyArn));
  } catch {
    return undefined;
  }
  const wrappingAlgorithm = TOKEN_ALGORITHMS[payload[0]];
  const wrappingKeySpec = TOKEN_KEY_SPECS[payload[1]];
  if (payload.length <= HEADER_BYTES || !wrappingAlgorithm || !wrappingKeySpec) {
    payload.fill(0);
    return undefined;
  }
  const validTo = new Date(Number(payload.readBigUInt64BE(2)));
  const privateKey = Buffer.from(payload.subarray(HEADER_BYTES));
  payload.fill(0);
  return { wrappingAlgorithm, wrappingKeySpec, validTo, privateKey };
}
