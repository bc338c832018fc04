import { parseCaBundle } from './ca-bundle';
import { ClusterErrorCode } from './cluster.exception';
import { selfSignedCertificate } from './certificates.stub';

describe(parseCaBundle.name, () => {
  it('accepts one or more certificates and normalises line endings', async () => {
    const [root, intermediate] = await Promise.all([selfSignedCertificate('root'), selfSignedCertificate('intermediate')]);
    const bundle = `${root.certPem.trim().replace(/\n/g, '\r\n')}\r\n\n${intermediate.certPem}`;

    const sut = parseCaBundle(bundle);

    expect(sut).toBe(`${root.certPem.trim()}\n${intermediate.certPem.trim()}\n`);
  });

  it.each([
    ['', 'caBundle: no PEM certificate found'],
    ['just text', 'caBundle: no PEM certificate found'],
    ['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', 'caBundle: certificate 1 does not parse'],
  ])('refuses %j', (pem, message) => {
    expect(() => parseCaBundle(pem)).toThrow(expect.objectContaining({ code: ClusterErrorCode.InvalidInput, message }));
  });

  it('refuses a private key, and text around the certificates', async () => {
    const { certPem, keyPem } = await selfSignedCertificate();

    expect(() => parseCaBundle(keyPem)).toThrow('caBundle: block 1 is a PRIVATE KEY, not a CERTIFICATE');
    expect(() => parseCaBundle(`${certPem}${keyPem}`)).toThrow('caBundle: block 2 is a PRIVATE KEY, not a CERTIFICATE');
    expect(() => parseCaBundle(`subject=CN=test\n${certPem}`)).toThrow('caBundle: contains text that is not a PEM certificate');
  });
});
