import { ensureDevPki, DevPki } from '@portcullis/dev-pki';
import { ConfigError, redactConfig } from '@portcullis/platform/config';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadKubeconfigIssuerConfig } from './kubeconfig-issuer.config';

describe(loadKubeconfigIssuerConfig.name, () => {
  let dir: string;
  let pki: DevPki;
  let otherPki: DevPki;

  function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/portcullis',
      NATS_URL: 'nats://127.0.0.1:4222',
      KUBECONFIG_CA_CERT_FILE: pki.kubeconfigCaCertFile,
      KUBECONFIG_CA_KEY_FILE: pki.kubeconfigCaKeyFile,
      PROXY_PUBLIC_URL: 'https://127.0.0.1:8443',
      PROXY_CA_CERT_FILE: pki.proxyCaCertFile,
      ...overrides,
    };
  }

  function configError(overrides: Record<string, string | undefined>): string {
    try {
      loadKubeconfigIssuerConfig(env(overrides));
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a configuration error');
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kci-config-'));
    pki = await ensureDevPki(path.join(dir, 'pki'));
    otherPki = await ensureDevPki(path.join(dir, 'other'));
    fs.writeFileSync(path.join(dir, 'not-pem.crt'), fs.readFileSync(pki.kubeconfigCaCertFile, 'utf8').replace(/-----[A-Z ]+-----/g, ''));
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('accepts the development PKI and keeps the CA key path out of the startup log', () => {
    const sut = loadKubeconfigIssuerConfig(env());

    expect(sut).toMatchObject({ HTTP_PORT: 3003, PROXY_PUBLIC_URL: 'https://127.0.0.1:8443', KUBECONFIG_CA_CERT_FILE: pki.kubeconfigCaCertFile });
    expect(redactConfig(sut)['KUBECONFIG_CA_KEY_FILE']).toBe('[redacted]');
  });

  it('names every missing file and what it expects, in one line', () => {
    const sut = configError({ KUBECONFIG_CA_CERT_FILE: undefined, KUBECONFIG_CA_KEY_FILE: path.join(dir, 'missing.key'), PROXY_CA_CERT_FILE: '' });

    expect(sut).toBe(
      'Invalid configuration: KUBECONFIG_CA_CERT_FILE is required, expects a readable PEM file with the CA certificate that signs kubeconfig client certificates; ' +
        'KUBECONFIG_CA_KEY_FILE is invalid, expects a readable PEM file with the private key (EC or RSA) of KUBECONFIG_CA_CERT_FILE; ' +
        "PROXY_CA_CERT_FILE is required, expects a readable PEM file with the CA certificate of the proxy's serving certificate",
    );
  });

  it('refuses a file that is not PEM, a key file holding a certificate and a plain-http proxy URL', () => {
    const sut = configError({
      PROXY_CA_CERT_FILE: path.join(dir, 'not-pem.crt'),
      KUBECONFIG_CA_KEY_FILE: pki.kubeconfigCaCertFile,
      PROXY_PUBLIC_URL: 'http://127.0.0.1:8443',
    });

    expect(sut).toMatch(/^Invalid configuration: [^\n]+$/);
    expect(sut).toContain('KUBECONFIG_CA_KEY_FILE is invalid');
    expect(sut).toContain('PROXY_PUBLIC_URL is invalid, expects the https:// URL kubectl reaches the proxy at');
    expect(sut).toContain('PROXY_CA_CERT_FILE is invalid');
  });

  it('refuses a CA key that does not belong to the CA certificate', () => {
    expect(configError({ KUBECONFIG_CA_KEY_FILE: otherPki.kubeconfigCaKeyFile })).toBe(
      'Invalid configuration: KUBECONFIG_CA_KEY_FILE is invalid, expects the private key of the certificate in KUBECONFIG_CA_CERT_FILE',
    );
  });

  it('refuses a leaf certificate as the kubeconfig CA', () => {
    expect(configError({ KUBECONFIG_CA_CERT_FILE: pki.proxyCertFile, KUBECONFIG_CA_KEY_FILE: pki.proxyKeyFile })).toBe(
      'Invalid configuration: KUBECONFIG_CA_CERT_FILE is invalid, expects an unexpired CA certificate (basicConstraints CA:TRUE)',
    );
  });
});
