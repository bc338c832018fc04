import { ConfigError } from '@portcullis/platform/config';
import { loadSaProvisionerConfig } from './sa-provisioner.config';

const required = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/portcullis', NATS_URL: 'nats://127.0.0.1:4222' };

describe(loadSaProvisionerConfig.name, () => {
  it('defaults to portcullis-system, one-hour tokens and a half-minute sweep', () => {
    const sut = loadSaProvisionerConfig(required);

    expect(sut).toMatchObject({
      HTTP_PORT: 3005,
      JIT_NAMESPACE: 'portcullis-system',
      JIT_TOKEN_TTL_SECONDS: 3_600,
      CLUSTER_REQUEST_TIMEOUT_MS: 3_000,
      CLUSTER_CREDENTIAL_CACHE_SECONDS: 60,
      SA_SWEEP_INTERVAL_MS: 30_000,
      ACTIVITY_FLUSH_INTERVAL_MS: 1_000,
      ORPHAN_MIN_AGE_SECONDS: 300,
    });
  });

  it('refuses a namespace that is no DNS label and tokens Kubernetes would not issue, naming both', () => {
    const sut = () => loadSaProvisionerConfig({ ...required, JIT_NAMESPACE: 'Portcullis_System', JIT_TOKEN_TTL_SECONDS: '60' });

    expect(sut).toThrow(ConfigError);
    expect(sut).toThrow(
      'Invalid configuration: JIT_NAMESPACE is invalid, expects a Kubernetes namespace name (DNS label) that holds the JIT ServiceAccounts on every cluster; ' +
        'JIT_TOKEN_TTL_SECONDS is invalid, expects seconds (600-86400)',
    );
  });
});
