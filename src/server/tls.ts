/**
 * TLS material for the HTTPS listener: the operator's `--tls-cert/--tls-key` files, or (first
 * start) a private CA and a server certificate generated into `<dataDir>/tls/`:
 *   ca.pem          the CA certificate clients trust (aws --ca-bundle, AWS_CA_BUNDLE, NODE_EXTRA_CA_CERTS)
 *   server.pem      the server certificate followed by the CA certificate (the chain served)
 *   server-key.pem  the server's private key, mode 0600
 * The CA's private key is never written: it signs the one server certificate and is dropped, so
 * nothing can mint further certificates this CA vouches for.
 * Keys come from node:crypto; node-forge builds and signs the X.509 certificates (no openssl).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface TlsMaterial {
  key: string; // PEM
  cert: string; // PEM chain
  /** The CA file clients should trust; undefined for operator-supplied files. */
  caFile?: string;
  certFile: string;
  keyFile: string;
  /** True when this call generated the files. */
  generated: boolean;
}

export const TLS_DIR = 'tls';
/** The names the generated certificate is valid for (Subject Alternative Names). */
export const TLS_DNS_NAMES = ['localhost', '*.localhost', '*.s3.localhost'];
export const TLS_IP_ADDRESSES = ['127.0.0.1', '::1'];
const DAY_MS = 86_400_000;
// 825 days: the longest server-certificate validity Apple platforms accept (Apple support HT210176).
const SERVER_VALIDITY_DAYS = 825;
const CA_VALIDITY_DAYS = 3650;

/** Operator files when given (both or neither), else the generated set in the data directory. */
export function loadTlsMaterial(dataDir: string, files: { certFile?: string; keyFile?: string } = {}, now: Date = new Date()): TlsMaterial {
  if ((files.certFile === undefined) !== (files.keyFile === undefined)) throw new Error('--tls-cert and --tls-key go together');
  if (files.certFile !== undefined && files.keyFile !== undefined) {
    return { key: readFileSync(files.keyFile, 'utf8'), cert: readFileSync(files.certFile, 'utf8'), certFile: files.certFile, keyFile: files.keyFile, generated: false };
  }
  const dir = join(dataDir, TLS_DIR);
  let generated = false;
  if (!existsSync(join(dir, 'server-key.pem'))) {
    // Generated into a fresh directory, then renamed into place in one step: a crash leaves no
    // half set, and of two processes starting at once (serve --workers) one set wins for both.
    const tmp = join(dataDir, `${TLS_DIR}.tmp-${randomBytes(6).toString('hex')}`);
    mkdirSync(tmp, { recursive: true, mode: 0o700 });
    try {
      const made = generateTlsCertificates(now);
      writeFileSync(join(tmp, 'ca.pem'), made.caCert, { mode: 0o644 });
      writeFileSync(join(tmp, 'server.pem'), made.serverCert + made.caCert, { mode: 0o644 });
      writeFileSync(join(tmp, 'server-key.pem'), made.serverKey, { mode: 0o600 });
      chmodSync(join(tmp, 'server-key.pem'), 0o600); // whatever the umask
      chmodSync(tmp, 0o755);
      renameSync(tmp, dir);
      generated = true;
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      if (!existsSync(join(dir, 'server-key.pem'))) throw e;
    }
  }
  return {
    key: readFileSync(join(dir, 'server-key.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server-key.pem'),
    generated,
  };
}

/* eslint-disable @typescript-eslint/no-explicit-any -- node-forge ships no types */
const forge = createRequire(import.meta.url)('node-forge') as any;

function newCertificate(publicKeyPem: string, notBefore: Date, days: number): any {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  // RFC 5280 §4.1.2.2: a positive serial of at most 20 octets; 16 random bytes with the top bit clear.
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date(notBefore.getTime() - DAY_MS); // tolerate clocks a little behind
  cert.validity.notAfter = new Date(notBefore.getTime() + days * DAY_MS);
  return cert;
}

const rsaKeyPair = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

/** A fresh CA and a server certificate it signed; PEM strings. */
export function generateTlsCertificates(now: Date): { caCert: string; serverCert: string; serverKey: string } {
  const caKeys = rsaKeyPair();
  const caPrivate = forge.pki.privateKeyFromPem(caKeys.privateKey);
  const caSubject = [{ name: 'commonName', value: 'Locksmith local CA' }, { name: 'organizationName', value: 'Locksmith' }];
  const ca = newCertificate(caKeys.publicKey, now, CA_VALIDITY_DAYS);
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caPrivate, forge.md.sha256.create());

  const serverKeys = rsaKeyPair();
  const server = newCertificate(serverKeys.publicKey, now, SERVER_VALIDITY_DAYS);
  server.setSubject([{ name: 'commonName', value: 'localhost' }, { name: 'organizationName', value: 'Locksmith' }]);
  server.setIssuer(caSubject);
  server.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...TLS_DNS_NAMES.map((value) => ({ type: 2, value })), ...TLS_IP_ADDRESSES.map((ip) => ({ type: 7, ip }))],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  server.sign(caPrivate, forge.md.sha256.create());
  return { caCert: forge.pki.certificateToPem(ca), serverCert: forge.pki.certificateToPem(server), serverKey: serverKeys.privateKey };
}
