import { EnvSource, httpPort, loadServiceConfig } from '@portcullis/platform/config';

const proxyConfigShape = {
  HTTP_PORT: httpPort(3004),
};

export type ProxyConfig = ReturnType<typeof loadProxyConfig>;

export function loadProxyConfig(env?: EnvSource) {
  return loadServiceConfig(proxyConfigShape, env);
}
