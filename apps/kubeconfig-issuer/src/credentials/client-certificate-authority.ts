import * as x509 from '@peculiar/x509';
import { createPrivateKey, randomBytes, webcrypto, X509Certificate as NodeX509Certificate } from 'node:crypto';

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

interface SigningProfile {
  importAlgorithm: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
  signingAlgorithm: webcrypto.EcdsaParams | webcrypto.Algorithm;
}

const ecCurves: Record<string, { namedCurve: string; hash: string }> = {
  prime256v1: { namedCurve: 'P-256', hash: 'SHA-256' },
  secp384r1: { namedCurve: 'P-384', hash: 'SHA-384' },
  secp521r1: { namedCurve: 'P-521', hash: 'SHA-512' },
};

function signingProfile(key: ReturnType<typeof createPrivateKey>): SigningProfile {
  if (key.asymmetricKeyType === 'rsa') {
    return { importAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5' } };
  }
  const curve = key.asymmetricKeyType === 'ec' ? ecCurves[key.asymmetricKeyDetails?.namedCurve ?? ''] : undefined;
  if (!curve) throw new Error('the kubeconfig CA key must be RSA or EC on P-256, P-384 or P-521');
  return { importAlgorithm: { name: 'ECDSA', namedCurve: curve.namedCurve }, signingAlgorithm: { name: 'ECDSA', hash: curve.hash } };
}

/**
 * Signs the per-kubeconfig client certificates. Each certificate gets a fresh ECDSA P-256 key
 * pair generated here; the private key is returned to the caller and forgotten.
 */
export class ClientCertificateAuthority {
  private constructor(
    private readonly certificate: x509.X509Certificate,
    private readonly signingKey: webcrypto.CryptoKey,
    private readonly signingAlgorithm: SigningProfile['signingAlgorithm'],
    private readonly authorityKeyIdentifier: x509.AuthorityKeyIdentifierExtension,
  ) {}

  static async fromPem(certificatePem: string, privateKeyPem: string): Promise<ClientCertificateAuthority> {
    const certificate = new x509.X509Certificate(certificatePem);
    const privateKey = createPrivateKey(privateKeyPem);
    const profile = signingProfile(privateKey);
    const signingKey = await webcrypto.subtle.importKey('pkcs8', privateKey.export({ format: 'der', type: 'pkcs8' }), profile.importAlgorithm, false, ['sign']);
    // Reuse the CA's own key identifier so chain builders match it whatever method made it.
    const caKeyId = certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    const authorityKeyIdentifier = caKeyId
      ? new x509.AuthorityKeyIdentifierExtension(caKeyId)
      : await x509.AuthorityKeyIdentifierExtension.create(certificate.publicKey);
    return new ClientCertificateAuthority(certificate, signingKey, profile.signingAlgorithm, authorityKeyIdentifier);
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
