import { diffieHellman } from 'node:crypto';
import { parsePublicKeyDer, UNCACHED_PRIVATE_KEYS, type PrivateKeys } from './key-pairs.js';

/**
 * ECDH (NIST SP 800-56A §5.7.1.2): the raw shared secret, the x-coordinate of the shared
 * point, as DeriveSharedSecret returns it. undefined when the peer's DER SubjectPublicKeyInfo is
 * not a valid point on the same curve (OpenSSL checks the point when it parses the key).
 */
export function ecdhSharedSecret(pkcs8: Buffer, namedCurve: string, peerSpki: Buffer, keys: PrivateKeys = UNCACHED_PRIVATE_KEYS): Buffer | undefined {
  const publicKey = parsePublicKeyDer(peerSpki);
  if (!publicKey || publicKey.asymmetricKeyType !== 'ec' || publicKey.asymmetricKeyDetails?.namedCurve !== namedCurve) return undefined;
  try {
    return diffieHellman({ privateKey: keys.privateKey(pkcs8), publicKey });
  } catch {
    return undefined;
  }
}
