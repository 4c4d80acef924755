import { constants, createPrivateKey, privateEncrypt, publicDecrypt, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import type { DigestName } from '../domain/key-specs.js';

/**
 * RSASSA-PSS over a precomputed digest (Sign/Verify with MessageType DIGEST). AWS KMS's PSS uses
 * the same hash for the message and MGF1, and a salt as long as the digest ("SHA-256 for both the
 * message digest and the MGF1 mask generation function along with a 256-bit salt").
 *
 * node:crypto's sign()/verify() always hash their input, so neither side can go through them.
 * - Signing stays in OpenSSL: the same RSAPrivateKey is loaded as an id-RSASSA-PSS key restricted
 *   to (hash, MGF1-hash, salt = digest length) (RFC 4055 §3.1), and privateEncrypt with PSS padding
 *   runs EVP_PKEY_sign, which applies EMSA-PSS-ENCODE to the digest it is given (the salt comes
 *   from OpenSSL's RNG, the digest length is checked against the hash) and the private RSA
 *   operation with blinding — exactly what `openssl pkeyutl -sign` does.
 * - Verifying: OpenSSL's RSAVP1 (publicDecrypt, no padding), then EMSA-PSS-VERIFY (RFC 8017
 *   §9.1.2) from node-forge, whose PSS verifier takes mHash directly. Node 20 has no API that
 *   verifies PSS over a digest (crypto.verifyDigest is only proposed, nodejs/node#62345).
 */

/** AlgorithmIdentifier id-RSASSA-PSS with RSASSA-PSS-params {hash, MGF1(hash), saltLength = hLen}. */
export const PSS_ALGORITHM_ID: Readonly<Record<string, Buffer>> = {
  sha256: Buffer.from('304106092a864886f70d01010a3034a00f300d06096086480165030402010500a11c301a06092a864886f70d010108300d06096086480165030402010500a203020120', 'hex'),
  sha384: Buffer.from('304106092a864886f70d01010a3034a00f300d06096086480165030402020500a11c301a06092a864886f70d010108300d06096086480165030402020500a203020130', 'hex'),
  sha512: Buffer.from('304106092a864886f70d01010a3034a00f300d06096086480165030402030500a11c301a06092a864886f70d010108300d06096086480165030402030500a203020140', 'hex'),
};
const DIGEST_BYTES: Record<string, number> = { sha256: 32, sha384: 48, sha512: 64 };

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}
const tlv = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);

function pssAlgorithmId(hash: DigestName): Buffer {
  const id = PSS_ALGORITHM_ID[hash];
  if (!id) throw new Error(`RSASSA-PSS over a digest is not defined for ${hash}`);
  return id;
}

/** The same RSA private key as a PSS-restricted key (PKCS#8 PrivateKeyInfo, RFC 5208). */
function pssRestrictedKey(key: KeyObject, hash: DigestName): KeyObject {
  const rsaPrivateKey = key.export({ type: 'pkcs1', format: 'der' });
  const pkcs8 = tlv(0x30, Buffer.concat([Buffer.from([0x02, 0x01, 0x00]), pssAlgorithmId(hash), tlv(0x04, rsaPrivateKey)]));
  try {
    return createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  } finally {
    rsaPrivateKey.fill(0);
    pkcs8.fill(0);
  }
}

/** RSASSA-PSS-SIGN with mHash = `digest` (OpenSSL throws when its length is not the hash's). */
export function signPssDigest(key: KeyObject, hash: DigestName, digest: Buffer): Buffer {
  if (key.asymmetricKeyType !== 'rsa') throw new Error('not an RSA private key');
  if (digest.length !== DIGEST_BYTES[hash]) throw new Error('digest length does not match the hash');
  return privateEncrypt({ key: pssRestrictedKey(key, hash), padding: constants.RSA_PKCS1_PSS_PADDING }, digest);
}

interface ForgeMd {
  create(): unknown;
}
interface ForgePssVerifier {
  verify(mHash: string, em: string, modBits: number): boolean;
}
interface ForgeModules {
  pss: { create(options: { md: unknown; mgf: unknown; saltLength: number }): ForgePssVerifier };
  mgf1: { create(md: unknown): unknown };
  md: Record<string, ForgeMd>;
}

let forgeModules: ForgeModules | undefined;
function forge(): ForgeModules {
  if (!forgeModules) {
    const require = createRequire(import.meta.url);
    const pss = require('node-forge/lib/pss') as ForgeModules['pss'];
    const mgf1 = require('node-forge/lib/mgf1') as ForgeModules['mgf1'];
    const sha256 = require('node-forge/lib/sha256') as ForgeMd;
    const sha512 = require('node-forge/lib/sha512') as ForgeMd & { sha384: ForgeMd };
    forgeModules = { pss, mgf1, md: { sha256, sha384: sha512.sha384, sha512 } };
  }
  return forgeModules;
}

/** RSASSA-PSS-VERIFY (RFC 8017 §8.1.2) with mHash = `digest`; anything malformed is invalid. */
export function verifyPssDigest(publicKey: KeyObject, hash: DigestName, digest: Buffer, signature: Buffer): boolean {
  const modBits = publicKey.asymmetricKeyDetails?.modulusLength;
  const hLen = DIGEST_BYTES[hash];
  if (publicKey.asymmetricKeyType !== 'rsa' || !modBits || !hLen || digest.length !== hLen) return false;
  const k = Math.ceil(modBits / 8);
  if (signature.length !== k) return false; // Step 1 (OpenSSL would zero-extend a short one).
  let m: Buffer;
  try {
    m = publicDecrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature); // Step 2a-2b, rejects s >= n
  } catch {
    return false;
  }
  const emLen = Math.ceil((modBits - 1) / 8);
  if (m.length !== k || m.subarray(0, k - emLen).some((b) => b !== 0)) return false; // Step 2c: I2OSP(m, emLen)
  const md = forge().md[hash]!;
  const emsa = forge().pss.create({ md: md.create(), mgf: forge().mgf1.create(md.create()), saltLength: hLen });
  try {
    return emsa.verify(digest.toString('binary'), m.subarray(k - emLen).toString('binary'), modBits) === true;
  } catch {
    return false; // forge throws for "inconsistent" encodings.
  }
}
