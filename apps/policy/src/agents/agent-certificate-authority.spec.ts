// @peculiar/x509 2 resolves its parsers through tsyringe, which needs the Reflect polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { ensureDevPki } from '@portcullis/dev-pki';
import { webcrypto, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentCertificateAuthority, parseCertificateRequest } from './agent-certificate-authority';
import { AgentErrorCode } from './agent.exception';

const DAY_MS = 86_400_000;
const subject = { clusterId: '0b7e5c3a-4d2f-4e1a-9b8c-7d6e5f4a3b2c', clusterName: 'edge-1' };

async function csrPem(): Promise<string> {
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  return (await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=cluster-admin, O=system:masters', keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } })).toString('pem');
}

describe(AgentCertificateAuthority.name, () => {
  let dir: string;
  let sut: AgentCertificateAuthority;
  let ca: X509Certificate;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-ca-'));
    const pki = await ensureDevPki(dir);
    sut = await AgentCertificateAuthority.fromPem(fs.readFileSync(pki.agentCaCertFile, 'utf8'), fs.readFileSync(pki.agentCaKeyFile, 'utf8'));
    ca = new X509Certificate(fs.readFileSync(pki.agentCaCertFile));
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("names the cluster it was asked for, not the CSR's subject, for client authentication only", async () => {
    const issued = await sut.issue(await parseCertificateRequest(await csrPem()), subject, 30, new Date());

    const certificate = new X509Certificate(issued.certificatePem);
    const parsed = new x509.X509Certificate(issued.certificatePem);
    expect(certificate.subject.split('\n')).toEqual(['CN=edge-1', 'O=portcullis:agent']);
    expect(certificate.subjectAltName).toBe(`URI:urn:portcullis:cluster:${subject.clusterId}`);
    expect(certificate.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(parsed.getExtension(x509.KeyUsagesExtension)).toMatchObject({ usages: x509.KeyUsageFlags.digitalSignature, critical: true });
    expect(parsed.getExtension(x509.BasicConstraintsExtension)).toMatchObject({ ca: false, critical: true });
    expect(certificate.verify(ca.publicKey)).toBe(true);
    expect(issued.serialNumber).toMatch(/^[4-7][0-9a-f]{31}$/);
    expect(certificate.serialNumber.toLowerCase()).toBe(issued.serialNumber);
  });

  it('starts a minute early for skewed clocks, and never outlives the CA', async () => {
    const now = new Date();
    const csr = await parseCertificateRequest(await csrPem());

    const month = await sut.issue(csr, subject, 30, now);
    const beyondTheCa = await sut.issue(csr, subject, 365, new Date(Date.parse(ca.validTo) - 10 * DAY_MS));

    expect(now.getTime() - month.notBefore.getTime()).toBeGreaterThanOrEqual(60_000);
    expect(now.getTime() - month.notBefore.getTime()).toBeLessThan(61_000);
    expect(month.notAfter.getTime() - month.issuedAt.getTime()).toBe(30 * DAY_MS);
    expect(beyondTheCa.notAfter.getTime()).toBe(Date.parse(ca.validTo));
  });

  it('refuses a request that is not PEM PKCS#10, coded CSR_INVALID', async () => {
    await expect(parseCertificateRequest('hello')).rejects.toMatchObject({ code: AgentErrorCode.CsrInvalid, message: 'the CSR is not a PEM PKCS#10 certificate request' });
  });
});
