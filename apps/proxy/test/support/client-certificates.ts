// @peculiar/x509 2 resolves its parsers through tsyringe, which needs the Reflect polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, createPrivateKey, randomBytes, randomUUID, webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto);

// The same certificate profile apps/kubeconfig-issuer signs (ClientCertificateAuthority): CN =
// user, one O per group, URI SAN urn:portcullis:kubeconfig:<id>, EKU clientAuth. Tests mint
// their own so they can also forge the ones the proxy must refuse.

export interface ClientCredential {
  kubeconfigId: string;
  userId: string;
  groups: string[];
  certPem: string;
  keyPem: string;
}

export interface MintOptions {
  userId: string;
  groups?: string[];
  kubeconfigId?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Default clientAuth; serverAuth makes a certificate the proxy must refuse. */
  extendedKeyUsage?: 'clientAuth' | 'serverAuth';
  /** false: no kubeconfig URI SAN. */
  kubeconfigUri?: boolean;
}

export interface AgentCredential {
  certPem: string;
  keyPem: string;
  caPem: string;
  fingerprint: string;
}

export class TestCertificateAuthority {
  private constructor(
    private readonly certificate: x509.X509Certificate,
    private readonly signingKey: webcrypto.CryptoKey,
  ) {}

  static async fromPem(certPem: string, keyPem: string): Promise<TestCertificateAuthority> {
    const key = createPrivateKey(keyPem);
    const signingKey = await webcrypto.subtle.importKey('pkcs8', key.export({ format: 'der', type: 'pkcs8' }), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
    return new TestCertificateAuthority(new x509.X509Certificate(certPem), signingKey);
  }

  /** An agent identity as policy signs it: CN = cluster, SAN URI urn:portcullis:cluster:<id>, clientAuth. */
  async mintAgent(cluster: string, clusterId: string, notAfter = new Date(Date.now() + 24 * 3_600_000)): Promise<AgentCredential> {
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: randomBytes(16).toString('hex').replace(/^./, '4'),
      subject: [{ CN: [cluster] }, { O: ['portcullis:agent'] }],
      issuer: this.certificate.subjectName,
      notBefore: new Date(Date.now() - 60_000),
      notAfter,
      publicKey: keys.publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `urn:portcullis:cluster:${clusterId}` }]),
        await x509.AuthorityKeyIdentifierExtension.create(this.certificate.publicKey),
      ],
    });
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    return {
      certPem: `${certificate.toString('pem')}\n`,
      keyPem: `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')}\n`,
      caPem: `${this.certificate.toString('pem')}\n`,
      fingerprint: createHash('sha256').update(Buffer.from(certificate.rawData)).digest('hex'),
    };
  }

  async mint(options: MintOptions): Promise<ClientCredential> {
    const kubeconfigId = options.kubeconfigId ?? randomUUID();
    const groups = options.groups ?? [];
    const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    const serial = randomBytes(16);
    serial[0] = (serial[0] & 0x3f) | 0x40;
    const eku = options.extendedKeyUsage === 'serverAuth' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth;
    const certificate = await x509.X509CertificateGenerator.create({
      serialNumber: serial.toString('hex'),
      subject: [{ CN: [options.userId] }, ...groups.map((group) => ({ O: [group] }))],
      issuer: this.certificate.subjectName,
      notBefore: options.notBefore ?? new Date(Date.now() - 60_000),
      notAfter: options.notAfter ?? new Date(Date.now() + 24 * 3_600_000),
      publicKey: keys.publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([eku]),
        ...(options.kubeconfigUri === false ? [] : [new x509.SubjectAlternativeNameExtension([{ type: 'url', value: `urn:portcullis:kubeconfig:${kubeconfigId}` }])]),
        await x509.AuthorityKeyIdentifierExtension.create(this.certificate.publicKey),
      ],
    });
    const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
    return {
      kubeconfigId,
      userId: options.userId,
      groups,
      certPem: `${certificate.toString('pem')}\n`,
      keyPem: `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')}\n`,
    };
  }
}
