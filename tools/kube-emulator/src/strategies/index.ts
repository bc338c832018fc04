import { BASE_STRATEGY, type ResourceStrategy } from './resource-strategy';
import { DEPLOYMENT_STRATEGY } from './deployment.strategy';
import { NAMESPACE_STRATEGY } from './namespace.strategy';
import { POD_STRATEGY } from './pod.strategy';
import { CLUSTER_ROLE_BINDING_STRATEGY, CLUSTER_ROLE_STRATEGY, ROLE_BINDING_STRATEGY, ROLE_STRATEGY } from './rbac.strategy';
import { SECRET_STRATEGY } from './secret.strategy';
import { SERVICE_STRATEGY } from './service.strategy';

export type { ResourceStrategy, StrategyContext } from './resource-strategy';
export { validateName } from './resource-strategy';

const BY_STORAGE_KEY: Record<string, ResourceStrategy> = {
  '/namespaces': NAMESPACE_STRATEGY,
  '/pods': POD_STRATEGY,
  '/services': SERVICE_STRATEGY,
  '/secrets': SECRET_STRATEGY,
  'apps/deployments': DEPLOYMENT_STRATEGY,
  'rbac.authorization.k8s.io/roles': ROLE_STRATEGY,
  'rbac.authorization.k8s.io/clusterroles': CLUSTER_ROLE_STRATEGY,
  'rbac.authorization.k8s.io/rolebindings': ROLE_BINDING_STRATEGY,
  'rbac.authorization.k8s.io/clusterrolebindings': CLUSTER_ROLE_BINDING_STRATEGY,
};

export function strategyFor(storageKey: string): ResourceStrategy {
  return BY_STORAGE_KEY[storageKey] ?? BASE_STRATEGY;
}
