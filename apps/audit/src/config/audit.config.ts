import { EnvSource, httpPort, loadServiceConfig } from '@portcullis/platform/config';

const auditConfigShape = {
  HTTP_PORT: httpPort(3006),
};

export type AuditConfig = ReturnType<typeof loadAuditConfig>;

export function loadAuditConfig(env?: EnvSource) {
  return loadServiceConfig(auditConfigShape, env);
}
