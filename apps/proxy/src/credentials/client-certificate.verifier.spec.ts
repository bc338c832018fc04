import { ensureDevPki } from '@portcullis/dev-pki';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TestCertificateAuthority } from '../../test/support/client-certificates';
import { ProxyErrorCode } from '../errors/proxy.exception';
import { ClientCertificateVerifier } from './client-certificate.verifier';

describe(ClientCertificateVerifier.name, () => {
  let dir: string;
  let ca: TestCertificateAuthority;
  let foreign: TestCertificateAuthority;
  let sut: ClientCertificateVerifier;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxy-verifier-'));
    const pki = await ensureDevPki(path.join(dir, 'pki'));
    const other = await ensureDevPki(path.join(dir, 'other'));
    ca = await TestCertificateAuthority.fromPem(fs.readFileSync(pki.kubeconfigCaCertFile, 'utf8'), fs.readFileSync(pki.kubeconfigCaKeyFile, 'utf8'));
    foreign = await TestCertificateAuthority.fromPem(fs.readFileSync(other.kubeconfigCaCertFile, 'utf8'), fs.readFileSync(other.kubeconfigCaKeyFile, 'utf8'));
    sut = new ClientCertificateVerifier(fs.readFileSync(pki.kubeconfigCaCertFile));
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads user, groups, kubeconfig id and validity from a certificate the issuer signed', async () => {
    const notAfter = new Date('2040-01-01T00:00:00.000Z');
    const issued = await ca.mint({ userId: 'user-42', groups: ['developers', 'Ops, Team=1+2', 'Équipe'], notAfter });

    const identity = sut.inspect(new X509Certificate(issued.certPem));

    expect(identity).toEqual({
      ok: true,
      credential: {
        kubeconfigId: issued.kubeconfigId,
        userId: 'user-42',
        groups: ['developers', 'Ops, Team=1+2', 'Équipe'],
        notBefore: expect.any(Number),
        notAfter: notAfter.getTime(),
      },
    });
  });

  it.each([
    ['signed by another CA', () => foreign.mint({ userId: 'mallory' }), 'the client certificate was not issued by Portcullis'],
    ['for server authentication', () => ca.mint({ userId: 'mallory', extendedKeyUsage: 'serverAuth' }), 'the client certificate is not for client authentication'],
    ['without a kubeconfig id', () => ca.mint({ userId: 'mallory', kubeconfigUri: false }), 'the client certificate does not identify a Portcullis kubeconfig'],
    ['with a kubeconfig id that is no UUID', () => ca.mint({ userId: 'mallory', kubeconfigId: 'not-a-uuid' }), 'the client certificate does not identify a Portcullis kubeconfig'],
  ])('refuses a certificate %s', async (_case, mint, reason) => {
    const identity = sut.inspect(new X509Certificate((await mint()).certPem));

    expect(identity).toEqual({ ok: false, code: ProxyErrorCode.CredentialInvalid, reason });
  });

  it('refuses the CA certificate itself', () => {
    const caCertificate = fs.readFileSync(path.join(dir, 'pki', 'kubeconfig-ca.crt'));

    expect(sut.inspect(new X509Certificate(caCertificate))).toMatchObject({ ok: false, code: ProxyErrorCode.CredentialInvalid });
  });
});
