import { EnvSource, httpPort, loadServiceConfig } from '@portcullis/platform/config';

const policyConfigShape = {
  HTTP_PORT: httpPort(3002),
};

export type PolicyConfig = ReturnType<typeof loadPolicyConfig>;

export function loadPolicyConfig(env?: EnvSource) {
  return loadServiceConfig(policyConfigShape, env);
}
