import { randomBytes, webcrypto } from 'node:crypto';
// @peculiar/x509 2 resolves its parsers through tsyringe, which needs the Reflect polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

// A throwaway CA created at every start: it signs the serving certificate and the client
// certificates tests ask for (CN = user, O = groups: how Kubernetes reads client certificates).

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type KeyPair = webcrypto.CryptoKeyPair;

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const ONE_HOUR = 3600_000;
const VALIDITY = 365 * 24 * ONE_HOUR;

export interface CertificateAndKey {
  certPem: string;
  keyPem: string;
}

export class CertificateAuthority {
  private constructor(
    private readonly certificate: x509.X509Certificate,
    private readonly keys: KeyPair,
  ) {}

  static async create(commonName = 'portcullis-kube-emulator-ca'): Promise<CertificateAuthority> {
    const keys = await generateKeys();
    const certificate = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: `CN=${commonName}`,
      notBefore: new Date(Date.now() - ONE_HOUR),
      notAfter: new Date(Date.now() + VALIDITY),
      keys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new CertificateAuthority(certificate, keys);
  }

  get certPem(): string {
    return this.certificate.toString('pem');
  }

  issueServingCertificate(ipAddresses: string[], dnsNames: string[]): Promise<CertificateAndKey> {
    return this.issue([{ CN: ['kube-apiserver'] }], 'server', [
      new x509.SubjectAlternativeNameExtension([
        ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
        ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
      ]),
    ]);
  }

  issueClientCertificate(user: string, groups: string[]): Promise<CertificateAndKey> {
    return this.issue([...groups.map((g) => ({ O: [g] })), { CN: [user] }], 'client', []);
  }

  private async issue(subject: x509.JsonName, usage: 'server' | 'client', extra: x509.Extension[]): Promise<CertificateAndKey> {
    const keys = await generateKeys();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: new x509.Name(subject),
      issuer: this.certificate.subjectName,
      notBefore: new Date(Date.now() - ONE_HOUR),
      notAfter: new Date(Date.now() + VALIDITY),
      signingKey: this.keys.privateKey,
      publicKey: keys.publicKey,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
        await x509.AuthorityKeyIdentifierExtension.create(this.certificate),
        ...extra,
      ],
    });
    return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
  }
}

async function generateKeys(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as KeyPair;
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
}

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f; // a positive INTEGER
  return bytes.toString('hex');
}
