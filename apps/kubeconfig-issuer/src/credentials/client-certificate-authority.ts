// @peculiar/x509 2 resolves its parsers through tsyringe, which needs the Reflect polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { loadSigningCa, SigningCa } from '@portcullis/platform/auth';
import { randomBytes, webcrypto, X509Certificate as NodeX509Certificate } from 'node:crypto';

x509.cryptoProvider.set(webcrypto);

/** The URI SAN that carries the kubeconfig id; the proxy reads it to check the revocation set. */
export const KUBECONFIG_URI_PREFIX = 'urn:portcullis:kubeconfig:';

// Tolerates clocks that run a little behind ours on the proxy and on laptops.
const CLOCK_SKEW_MS = 60_000;

export interface ClientCertificateRequest {
  kubeconfigId: string;
  userId: string;
  /** The IdP groups snapshot, one O= per group (as Kubernetes reads client certificates). */
  groups: string[];
  validitySeconds: number;
  now: Date;
}

export interface IssuedClientCertificate {
  certificatePem: string;
  /** Handed out once inside the kubeconfig; never stored. */
  privateKeyPem: string;
  /** Upper-case hex, as node's X509Certificate and TLSSocket.getPeerCertificate() show it. */
  serialNumber: string;
  /** `AB:CD:…`, as node shows `fingerprint256`. */
  fingerprintSha256: string;
  notBefore: Date;
  notAfter: Date;
}




/**
 * Signs the per-kubeconfig client certificates. Each certificate gets a fresh ECDSA P-256 key
 * pair generated here; the private key is returned to the caller and forgotten.
 */
export class ClientCertificateAuthority {
  private constructor(
    private readonly certificate: x509.X509Certificate,
    private readonly signingKey: webcrypto.CryptoKey,
    private readonly signingAlgorithm: SigningCa['signingAlgorithm'],
    private readonly authorityKeyIdentifier: x509.AuthorityKeyIdentifierExtension,
  ) {}

  static async fromPem(certificatePem: string, privateKeyPem: string): Promise<ClientCertificateAuthority> {
    const ca = await loadSigningCa(certificatePem, privateKeyPem, 'kubeconfig CA');
    return new ClientCertificateAuthority(ca.certificate, ca.signingKey, ca.signingAlgorithm, ca.authorityKeyIdentifier);
  }

  async issue(request: ClientCertificateRequest): Promise<IssuedClientCertificate> {
    // X.509 times have whole seconds; what we record must be what the certificate says.
    const now = Math.floor(request.now.getTime() / 1000) * 1000;
    const notBefore = new Date(now - CLOCK_SKEW_MS);
    // Never promise a lifetime the CA cannot back: past its own end every chain fails anyway.
    const notAfter = new Date(Math.min(now + request.validitySeconds * 1000, Math.floor(this.certificate.notAfter.getTime() / 1000) * 1000));
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const publicKey = keys.publicKey;

    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerialNumber(),
      subject: [{ CN: [request.userId] }, ...request.groups.map((group) => ({ O: [group] }))],
      issuer: this.certificate.subjectName,
      notBefore,
      notAfter,
      publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: this.signingAlgorithm,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `${KUBECONFIG_URI_PREFIX}${request.kubeconfigId}` }]),
        await x509.SubjectKeyIdentifierExtension.create(publicKey),
        this.authorityKeyIdentifier,
      ],
    });

    const certificatePem = certificate.toString('pem');
    const parsed = new NodeX509Certificate(certificatePem);
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    return {
      certificatePem: `${certificatePem}\n`,
      privateKeyPem: `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')}\n`,
      serialNumber: parsed.serialNumber,
      fingerprintSha256: parsed.fingerprint256,
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
