/*
 * Trust model of the agent certificate authority.
 * - Holds: the agent CA's private key, in memory (read once from AGENT_CA_KEY_FILE at boot). It is
 *   never logged and never leaves this process; agents' private keys never reach it at all.
 * - Trusts: nothing in a CSR but its public key, and only after the CSR's self-signature verifies
 *   (proof that the requester holds the key). The subject and any extensions the CSR asks for are
 *   ignored: who the certificate names is decided by the caller, from a verified bootstrap token or
 *   an accepted current certificate.
 * - Issues: client-authentication certificates only (no CA, no serverAuth), naming one cluster
 *   (CN = its name, SAN URI = its id), for a bounded validity that never outlives the CA.
 */
// @peculiar/x509 2 resolves its parsers through tsyringe, which needs the Reflect polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { loadSigningCa, SigningCa } from '@portcullis/platform/auth';
import { createHash, createPublicKey, randomBytes, webcrypto } from 'node:crypto';
import { AgentErrorCode, AgentException } from './agent.exception';

x509.cryptoProvider.set(webcrypto);

/** The URI SAN that carries the cluster id; the proxy reads it from the agent's certificate. */
export const AGENT_CLUSTER_URI_PREFIX = 'urn:portcullis:cluster:';
/** The organisation of every agent certificate, telling it apart from a person's. */
export const AGENT_ORGANIZATION = 'portcullis:agent';

// Tolerates clocks that run a little behind ours inside managed clusters and on the proxy.
const CLOCK_SKEW_MS = 60_000;
const MIN_RSA_BITS = 2048;
// Verifying a CSR with a huge RSA key costs the CA's CPU; no agent needs more than this.
const MAX_RSA_BITS = 8192;

export interface AgentCertificateSubject {
  clusterId: string;
  clusterName: string;
}

export interface IssuedAgentCertificate {
  certificatePem: string;
  /** SHA-256 of the DER, lower-case hex: what the proxy compares. */
  fingerprint: string;
  /** Lower-case hex. */
  serialNumber: string;
  /** When it was signed, to the second. */
  issuedAt: Date;
  notBefore: Date;
  notAfter: Date;
}




function csrInvalid(message: string): AgentException {
  return new AgentException(AgentErrorCode.CsrInvalid, message);
}

/**
 * A PKCS#10 request that is well-formed, signed by the key it carries, and for an ECDSA P-256
 * or RSA (2048-8192 bit) key. Messages name what is wrong, never echo the input.
 */
export async function parseCertificateRequest(pem: string): Promise<x509.Pkcs10CertificateRequest> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch {
    throw csrInvalid('the CSR is not a PEM PKCS#10 certificate request');
  }
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  } catch {
    throw csrInvalid('the public key of the CSR does not parse');
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  const acceptable =
    (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') ||
    (key.asymmetricKeyType === 'rsa' && bits >= MIN_RSA_BITS && bits <= MAX_RSA_BITS);
  if (!acceptable) throw csrInvalid(`the CSR's key must be ECDSA P-256 or RSA of ${MIN_RSA_BITS}-${MAX_RSA_BITS} bits`);
  let verified: boolean;
  try {
    verified = await csr.verify();
  } catch {
    verified = false;
  }
  if (!verified) throw csrInvalid('the CSR is not signed by the key it carries');
  return csr;
}

/** Signs agent client certificates with the agent CA. */
export class AgentCertificateAuthority {
  private constructor(
    private readonly certificate: x509.X509Certificate,
    private readonly signingKey: webcrypto.CryptoKey,
    private readonly signingAlgorithm: SigningCa['signingAlgorithm'],
    private readonly authorityKeyIdentifier: x509.AuthorityKeyIdentifierExtension,
    /** PEM, what agents are handed with their certificate. */
    readonly caCertificatePem: string,
  ) {}

  static async fromPem(certificatePem: string, privateKeyPem: string): Promise<AgentCertificateAuthority> {
    const ca = await loadSigningCa(certificatePem, privateKeyPem, 'agent CA');
    return new AgentCertificateAuthority(ca.certificate, ca.signingKey, ca.signingAlgorithm, ca.authorityKeyIdentifier, `${ca.certificate.toString('pem')}\n`);
  }

  /** Signs the key of a verified CSR (see parseCertificateRequest) for one cluster's agent. */
  async issue(csr: x509.Pkcs10CertificateRequest, subject: AgentCertificateSubject, validityDays: number, now: Date): Promise<IssuedAgentCertificate> {
    // X.509 times have whole seconds; what we record must be what the certificate says.
    const second = Math.floor(now.getTime() / 1000) * 1000;
    const notBefore = new Date(second - CLOCK_SKEW_MS);
    // Never promise a lifetime the CA cannot back: past its own end every chain fails anyway.
    const notAfter = new Date(Math.min(second + validityDays * 86_400_000, Math.floor(this.certificate.notAfter.getTime() / 1000) * 1000));
    const serialNumber = randomSerialNumber();
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber,
      subject: [{ CN: [subject.clusterName] }, { O: [AGENT_ORGANIZATION] }],
      issuer: this.certificate.subjectName,
      notBefore,
      notAfter,
      publicKey: csr.publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: this.signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `${AGENT_CLUSTER_URI_PREFIX}${subject.clusterId}` }]),
        await x509.SubjectKeyIdentifierExtension.create(csr.publicKey),
        this.authorityKeyIdentifier,
      ],
    });
    return {
      certificatePem: `${certificate.toString('pem')}\n`,
      fingerprint: createHash('sha256').update(Buffer.from(certificate.rawData)).digest('hex'),
      serialNumber,
      issuedAt: new Date(second),
      notBefore,
      notAfter,
    };
  }
}

/** 126 random bits; the leading bits are fixed so the DER integer is positive and always 16 bytes long. */
function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x3f) | 0x40;
  return bytes.toString('hex');
}
