import { DevPki, ensureDevPki } from '@portcullis/dev-pki';
import { ConfigError, redactConfig } from '@portcullis/platform/config';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadProxyConfig, loadProxyMigrationConfig } from './proxy.config';

describe(loadProxyConfig.name, () => {
  let dir: string;
  let pki: DevPki;
  let other: DevPki;

  function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/portcullis',
      NATS_URL: 'nats://127.0.0.1:4222',
      PROXY_TLS_CERT_FILE: pki.proxyCertFile,
      PROXY_TLS_KEY_FILE: pki.proxyKeyFile,
      KUBECONFIG_CA_CERT_FILE: pki.kubeconfigCaCertFile,
      ...overrides,
    };
  }

  function configError(overrides: Record<string, string | undefined>): string {
    try {
      loadProxyConfig(env(overrides));
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a configuration error');
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'proxy-config-'));
    pki = await ensureDevPki(path.join(dir, 'pki'));
    other = await ensureDevPki(path.join(dir, 'other'));
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('applies the defaults and keeps the key path out of the startup log', () => {
    const sut = loadProxyConfig(env());

    expect(sut).toMatchObject({
      HTTP_PORT: 3004,
      PROXY_LISTEN_HOST: '127.0.0.1',
      PROXY_LISTEN_PORT: 8443,
      AUDIT_FAIL_MODE: 'open',
      AUDIT_BUFFER_EVENTS: 100_000,
      MAX_HEADER_BYTES: 32_768,
      SA_TOKEN_REFRESH_MARGIN_SECONDS: 300,
    });
    expect(redactConfig(sut)['PROXY_TLS_KEY_FILE']).toBe('[redacted]');
  });

  it('names every bad variable and what it expects, in one line', () => {
    expect(configError({ PROXY_TLS_CERT_FILE: undefined, AUDIT_FAIL_MODE: 'sometimes', PROXY_LISTEN_PORT: '70000' })).toBe(
      'Invalid configuration: ' +
        "PROXY_LISTEN_PORT is invalid, expects a TCP port number (0-65535; 0 picks a free one); PROXY_TLS_CERT_FILE is required, expects a readable PEM file with the proxy's serving certificate (chain); " +
        'AUDIT_FAIL_MODE is invalid, expects open or closed',
    );
  });

  it('refuses a key that does not belong to the serving certificate, and a kubeconfig CA that is no CA', () => {
    expect(configError({ PROXY_TLS_KEY_FILE: other.proxyKeyFile })).toBe(
      'Invalid configuration: PROXY_TLS_KEY_FILE is invalid, expects the private key of the certificate in PROXY_TLS_CERT_FILE',
    );
    expect(configError({ KUBECONFIG_CA_CERT_FILE: pki.proxyCertFile })).toBe('Invalid configuration: KUBECONFIG_CA_CERT_FILE is invalid, expects a CA certificate (basicConstraints CA:TRUE)');
  });

  it('needs no TLS material to migrate', () => {
    expect(loadProxyMigrationConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/portcullis', NATS_URL: 'nats://127.0.0.1:4222' }).HTTP_PORT).toBe(3004);
  });
});
