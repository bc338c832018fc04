import type { KubeObject } from '../api/kube-object';
import { BASE_STRATEGY, type ResourceStrategy } from './resource-strategy';

export const NAMESPACE_STRATEGY: ResourceStrategy = {
  ...BASE_STRATEGY,
  nameFormat: 'dns-label',
  hasStatus: true,
  prepareForCreate(ns: KubeObject): void {
    ns.metadata.labels = { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name! };
    ns.spec = { finalizers: ['kubernetes'] };
    ns.status = { phase: 'Active' };
  },
  prepareForUpdate(ns: KubeObject, old: KubeObject): void {
    ns.metadata.labels = { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name! };
    ns.spec = old.spec;
  },
};
