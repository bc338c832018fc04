import { parseClusterCredential } from './cluster-credential';
import { selfSignedCertificate } from './certificates.stub';

describe(parseClusterCredential.name, () => {
  it('takes a bearer token', () => {
    expect(parseClusterCredential({ token: 'abc.def', clientCertificate: null, clientKey: null })).toEqual({ kind: 'token', token: 'abc.def' });
  });

  it('takes a client certificate with its own key', async () => {
    const { certPem, keyPem } = await selfSignedCertificate('portcullis-manager');

    expect(parseClusterCredential({ clientCertificate: certPem, clientKey: keyPem })).toEqual({ kind: 'client-certificate', clientCertificate: certPem, clientKey: keyPem });
  });

  it('refuses a key that belongs to another certificate, without quoting either', async () => {
    const [mine, theirs] = await Promise.all([selfSignedCertificate('a'), selfSignedCertificate('b')]);

    expect(() => parseClusterCredential({ clientCertificate: mine.certPem, clientKey: theirs.keyPem })).toThrow('credential.clientKey: does not belong to the client certificate');
  });

  it.each([
    [{}, 'credential: give a token, or a client certificate and its key'],
    [{ token: 'a', clientKey: 'k' }, 'credential: give either a token or a client certificate and key, not both'],
    [{ token: 'has space' }, 'credential.token: must be a non-empty bearer token without whitespace'],
    [{ token: '' }, 'credential.token: must be a non-empty bearer token without whitespace'],
    [{ clientCertificate: 'nope', clientKey: 'nope' }, 'credential.clientCertificate: not a PEM certificate'],
  ])('refuses %j', (input, message) => {
    expect(() => parseClusterCredential(input)).toThrow(message);
  });

  it('refuses a key that does not parse', async () => {
    const { certPem } = await selfSignedCertificate();

    expect(() => parseClusterCredential({ clientCertificate: certPem, clientKey: 'secret-key-material' })).toThrow('credential.clientKey: not a PEM private key');
  });
});
