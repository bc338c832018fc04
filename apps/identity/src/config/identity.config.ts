import { EnvSource, httpPort, loadServiceConfig } from '@portcullis/platform/config';

const identityConfigShape = {
  HTTP_PORT: httpPort(3001),
};

export type IdentityConfig = ReturnType<typeof loadIdentityConfig>;

export function loadIdentityConfig(env?: EnvSource) {
  return loadServiceConfig(identityConfigShape, env);
}
