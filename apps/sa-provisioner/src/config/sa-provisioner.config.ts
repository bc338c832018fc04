import { EnvSource, httpPort, loadServiceConfig } from '@portcullis/platform/config';

const saProvisionerConfigShape = {
  HTTP_PORT: httpPort(3005),
};

export type SaProvisionerConfig = ReturnType<typeof loadSaProvisionerConfig>;

export function loadSaProvisionerConfig(env?: EnvSource) {
  return loadServiceConfig(saProvisionerConfigShape, env);
}
