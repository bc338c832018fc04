// @peculiar/x509 2 resolves its parsers through tsyringe, which needs the Reflect polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { hasExpired, readAgentIdentity, renewalDue } from './agent-identity';
import { IdentityErrorCode } from './identity.exception';
import { createKeyAndCsr } from './key-and-csr';

x509.cryptoProvider.set(webcrypto);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

/** A certificate for the CSR's key, self-issued by a throwaway CA, valid [notBefore, notAfter). */
async function certify(csrPem: string, notBefore: Date, notAfter: Date): Promise<string> {
  const caKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: '01',
    subject: csr.subjectName,
    issuer: 'CN=test-ca',
    notBefore,
    notAfter,
    publicKey: csr.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALGORITHM,
  });
  return certificate.toString('pem');
}

describe(readAgentIdentity.name, () => {
  const notBefore = new Date('2026-01-01T00:00:00Z');
  const notAfter = new Date('2026-01-31T00:00:00Z');

  it('reads the validity and fingerprint of a certificate that belongs to the key and names the cluster', async () => {
    const { keyPem, csrPem } = await createKeyAndCsr('edge-1');
    const certificatePem = await certify(csrPem, notBefore, notAfter);

    const sut = readAgentIdentity({ keyPem, certificatePem, caCertificatePem: '', bootstrapTokenDigest: 'abc' }, 'edge-1');

    expect(sut).toMatchObject({ notBefore, notAfter, bootstrapTokenDigest: 'abc' });
    expect(sut.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(renewalDue(sut)).toEqual(new Date('2026-01-21T00:00:00Z'));
    expect(hasExpired(sut, new Date('2026-01-30T23:59:59Z'))).toBe(false);
    expect(hasExpired(sut, notAfter)).toBe(true);
  });

  it('refuses a certificate for another key', async () => {
    const mine = await createKeyAndCsr('edge-1');
    const other = await createKeyAndCsr('edge-1');
    const certificatePem = await certify(other.csrPem, notBefore, notAfter);

    expect(() => readAgentIdentity({ keyPem: mine.keyPem, certificatePem, caCertificatePem: '', bootstrapTokenDigest: '' }, 'edge-1')).toThrow(
      expect.objectContaining({ code: IdentityErrorCode.CertificateMismatch, message: 'the certificate is not for the agent key' }),
    );
  });

  it('refuses a certificate for another cluster (a Secret left from an earlier name)', async () => {
    const { keyPem, csrPem } = await createKeyAndCsr('edge-0');
    const certificatePem = await certify(csrPem, notBefore, notAfter);

    expect(() => readAgentIdentity({ keyPem, certificatePem, caCertificatePem: '', bootstrapTokenDigest: '' }, 'edge-1')).toThrow(
      'the certificate names cluster "edge-0", not "edge-1"',
    );
  });
});
