// @peculiar/x509 2 resolves its parsers through tsyringe, which needs the Reflect polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { ensureDevPki } from '@portcullis/dev-pki';
import { createPrivateKey, generateKeyPairSync, randomUUID, webcrypto, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClientCertificateAuthority, ClientCertificateRequest } from './client-certificate-authority';

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

async function selfSignedCa(keys: webcrypto.CryptoKeyPair, signingAlgorithm: webcrypto.Algorithm | webcrypto.EcdsaParams, notAfter: Date): Promise<string> {
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=test CA',
    notBefore: new Date(Date.now() - 60_000),
    notAfter,
    keys,
    signingAlgorithm,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)],
  });
  return certificate.toString('pem');
}

async function exportKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

describe(ClientCertificateAuthority.name, () => {
  let dir: string;
  let caPem: string;
  let sut: ClientCertificateAuthority;
  const now = new Date('2030-01-02T03:04:05.678Z');

  function request(overrides: Partial<ClientCertificateRequest> = {}): ClientCertificateRequest {
    return { kubeconfigId: randomUUID(), userId: 'user-42', groups: ['developers', 'platform/admins'], validitySeconds: 7 * 86_400, now, ...overrides };
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kci-ca-'));
    const pki = await ensureDevPki(dir);
    caPem = fs.readFileSync(pki.kubeconfigCaCertFile, 'utf8');
    sut = await ClientCertificateAuthority.fromPem(caPem, fs.readFileSync(pki.kubeconfigCaKeyFile, 'utf8'));
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names the user in CN, each group in its own O, and the kubeconfig in a URI SAN', async () => {
    const kubeconfigId = randomUUID();
    const groups = ['developers', 'platform/admins', 'Ops, Team=1+2', 'Équipe'];

    const issued = await sut.issue(request({ kubeconfigId, groups }));

    const certificate = new x509.X509Certificate(issued.certificatePem);
    expect(certificate.subjectName.getField('CN')).toEqual(['user-42']);
    expect(certificate.subjectName.getField('O')).toEqual(groups);
    expect(new X509Certificate(issued.certificatePem).subjectAltName).toBe(`URI:urn:portcullis:kubeconfig:${kubeconfigId}`);
  });

  it('is a client-authentication leaf, valid from a minute before now until now plus the validity', async () => {
    const issued = await sut.issue(request({ validitySeconds: 3_600 }));

    const certificate = new X509Certificate(issued.certificatePem);
    expect(certificate.ca).toBe(false);
    expect(certificate.keyUsage).toEqual([CLIENT_AUTH]);
    expect(new Date(certificate.validFrom).toISOString()).toBe('2030-01-02T03:03:05.000Z');
    expect(new Date(certificate.validTo).toISOString()).toBe('2030-01-02T04:04:05.000Z');
    expect(issued.notBefore.toISOString()).toBe('2030-01-02T03:03:05.000Z');
    expect(issued.notAfter.toISOString()).toBe('2030-01-02T04:04:05.000Z');
  });

  it('is signed by the CA and by no other', async () => {
    const issued = await sut.issue(request());
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kci-other-'));
    const other = new X509Certificate(fs.readFileSync((await ensureDevPki(otherDir)).kubeconfigCaCertFile));
    fs.rmSync(otherDir, { recursive: true, force: true });

    const certificate = new X509Certificate(issued.certificatePem);
    const ca = new X509Certificate(caPem);
    expect(certificate.checkIssued(ca)).toBe(true);
    expect(certificate.verify(ca.publicKey)).toBe(true);
    expect(certificate.verify(other.publicKey)).toBe(false);
  });

  it('returns a fresh P-256 private key that belongs to the certificate, and reports serial and fingerprint as node shows them', async () => {
    const first = await sut.issue(request());
    const second = await sut.issue(request());

    const key = createPrivateKey(first.privateKeyPem);
    const certificate = new X509Certificate(first.certificatePem);
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(certificate.checkPrivateKey(key)).toBe(true);
    expect(certificate.checkPrivateKey(createPrivateKey(second.privateKeyPem))).toBe(false);
    expect(first.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    expect(first.serialNumber).toBe(certificate.serialNumber);
    expect(first.serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
    expect(first.serialNumber).not.toBe(second.serialNumber);
    expect(first.fingerprintSha256).toBe(certificate.fingerprint256);
  });

  it('never outlives its CA', async () => {
    const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']));
    const caEnd = new Date('2030-01-03T00:00:00.000Z');
    const shortLived = await ClientCertificateAuthority.fromPem(
      await selfSignedCa(keys, { name: 'ECDSA', hash: 'SHA-384' }, caEnd),
      await exportKeyPem(keys.privateKey),
    );

    const issued = await shortLived.issue(request({ validitySeconds: 7 * 86_400 }));

    expect(issued.notAfter).toEqual(caEnd);
    expect(new Date(new X509Certificate(issued.certificatePem).validTo)).toEqual(caEnd);
  });

  it('signs with an RSA CA too', async () => {
    const keys = (await webcrypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    ));
    const rsaCaPem = await selfSignedCa(keys, { name: 'RSASSA-PKCS1-v1_5' }, new Date('2040-01-01T00:00:00Z'));
    const rsaCa = await ClientCertificateAuthority.fromPem(rsaCaPem, await exportKeyPem(keys.privateKey));

    const issued = await rsaCa.issue(request());

    expect(new X509Certificate(issued.certificatePem).verify(new X509Certificate(rsaCaPem).publicKey)).toBe(true);
  });

  it('refuses a CA key it cannot sign with, naming what it accepts', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');

    const attempt = ClientCertificateAuthority.fromPem(caPem, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());

    await expect(attempt).rejects.toThrow('the kubeconfig CA key must be RSA or EC on P-256, P-384 or P-521');
  });
});
