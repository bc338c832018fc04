/*
 * Certificate authorities and the certificates they issue, ECDSA P-256 throughout, as PEM text.
 * The one implementation behind the local stack's PKI (dev-pki.ts) and the evaluation install's
 * Secrets (tools/deploy-secrets); callers choose names, usages and lifetimes, and where the PEM goes.
 */
// @peculiar/x509 2 resolves its parsers through tsyringe, which needs the Reflect polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';

x509.cryptoProvider.set(webcrypto);

/** A certificate and its private key (PKCS#8), both PEM, each ending in one line break. */
export interface CertificateAndKey {
  cert: string;
  key: string;
}

export interface CertificateAuthorityProfile {
  commonName: string;
  organization: string;
  validityDays: number;
}

export type ExtendedKeyUsage = 'serverAuth' | 'clientAuth';

export interface CertificateProfile {
  commonName: string;
  organization: string;
  usages: readonly ExtendedKeyUsage[];
  /** Host names and IP addresses the certificate is valid for (subjectAltName); none for a client. */
  subjectAltNames?: readonly string[];
  validityDays: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
// Backdated a little, so a machine whose clock runs slightly behind accepts a fresh certificate.
const CLOCK_SKEW_MS = 60_000;

const ecdsaP256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ecdsaSha256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const usageOids: Record<ExtendedKeyUsage, string> = { serverAuth: x509.ExtendedKeyUsage.serverAuth, clientAuth: x509.ExtendedKeyUsage.clientAuth };

/** A self-signed CA that may sign end-entity certificates only (path length 0). */
export async function createCertificateAuthority(profile: CertificateAuthorityProfile): Promise<CertificateAndKey> {
  const keys = await webcrypto.subtle.generateKey(ecdsaP256, true, ['sign', 'verify']);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ CN: [profile.commonName] }, { O: [profile.organization] }],
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(now + profile.validityDays * DAY_MS),
    keys,
    signingAlgorithm: ecdsaSha256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return toPem(cert, keys.privateKey);
}

/** An end-entity certificate with a fresh key, signed by `ca`. */
export async function issueCertificate(ca: CertificateAndKey, profile: CertificateProfile): Promise<CertificateAndKey> {
  const keys = await webcrypto.subtle.generateKey(ecdsaP256, true, ['sign', 'verify']);
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = createPrivateKey(ca.key).export({ format: 'der', type: 'pkcs8' });
  const signingKey = await webcrypto.subtle.importKey('pkcs8', caKey, ecdsaP256, false, ['sign']);
  const names = profile.subjectAltNames ?? [];
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: [{ CN: [profile.commonName] }, { O: [profile.organization] }],
    issuer: caCert.subjectName,
    notBefore: new Date(now - CLOCK_SKEW_MS),
    notAfter: new Date(now + profile.validityDays * DAY_MS),
    publicKey: keys.publicKey,
    signingKey,
    signingAlgorithm: ecdsaSha256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(profile.usages.map((usage) => usageOids[usage])),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names.map((name) => ({ type: isIP(name) ? 'ip' : 'dns', value: name }) as const))] : []),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return toPem(cert, keys.privateKey);
}

async function toPem(cert: x509.X509Certificate, privateKey: webcrypto.CryptoKey): Promise<CertificateAndKey> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', privateKey);
  return { cert: `${cert.toString('pem').trim()}\n`, key: `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY').trim()}\n` };
}

/** 126 random bits; the leading bits are fixed so the DER integer is positive and always 16 bytes long. */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x3f) | 0x40;
  return bytes.toString('hex');
}
