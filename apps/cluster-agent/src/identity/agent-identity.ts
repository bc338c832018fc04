import { createPrivateKey, X509Certificate } from 'node:crypto';
import { IdentityErrorCode, IdentityException } from './identity.exception';

/** The agent's client certificate for the tunnel, its key, and how it was obtained. */
export interface AgentIdentity {
  keyPem: string;
  certificatePem: string;
  /** The CA that signed the certificate (what the tunnel endpoint trusts), kept as ca.crt. */
  caCertificatePem: string;
  /** SHA-256 (hex) of the bootstrap token this identity descends from; '' when unknown. */
  bootstrapTokenDigest: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the certificate (hex, lower case): names it in logs instead of the certificate itself. */
  fingerprint: string;
}

export type IdentityMaterial = Pick<AgentIdentity, 'keyPem' | 'certificatePem' | 'caCertificatePem' | 'bootstrapTokenDigest'>;

/**
 * Reads an identity and checks that it holds together: the certificate parses, belongs to the
 * key, and names this cluster (a Secret left from another cluster name must not be used).
 */
export function readAgentIdentity(material: IdentityMaterial, clusterName: string): AgentIdentity {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(material.certificatePem);
  } catch {
    throw new IdentityException(IdentityErrorCode.CertificateMismatch, 'the certificate does not parse');
  }
  let matchesKey: boolean;
  try {
    matchesKey = certificate.checkPrivateKey(createPrivateKey(material.keyPem));
  } catch {
    matchesKey = false;
  }
  if (!matchesKey) throw new IdentityException(IdentityErrorCode.CertificateMismatch, 'the certificate is not for the agent key');
  const commonName = /(?:^|\n)CN=([^\n]*)/.exec(certificate.subject)?.[1];
  if (commonName !== clusterName) {
    throw new IdentityException(IdentityErrorCode.CertificateMismatch, `the certificate names cluster "${commonName ?? ''}", not "${clusterName}"`);
  }
  return {
    ...material,
    notBefore: new Date(certificate.validFrom),
    notAfter: new Date(certificate.validTo),
    fingerprint: certificate.fingerprint256.replace(/:/g, '').toLowerCase(),
  };
}

/** Renew when less than a third of the lifetime remains: time for retries before expiry, yet few renewals. */
export function renewalDue(identity: AgentIdentity): Date {
  const lifetime = identity.notAfter.getTime() - identity.notBefore.getTime();
  return new Date(identity.notBefore.getTime() + Math.floor((lifetime * 2) / 3));
}

export function hasExpired(identity: AgentIdentity, now = new Date()): boolean {
  return now.getTime() >= identity.notAfter.getTime();
}
