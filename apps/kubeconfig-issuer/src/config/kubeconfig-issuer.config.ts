import { EnvSource, httpPort, loadServiceConfig } from '@portcullis/platform/config';

const kubeconfigIssuerConfigShape = {
  HTTP_PORT: httpPort(3003),
};

export type KubeconfigIssuerConfig = ReturnType<typeof loadKubeconfigIssuerConfig>;

export function loadKubeconfigIssuerConfig(env?: EnvSource) {
  return loadServiceConfig(kubeconfigIssuerConfigShape, env);
}
