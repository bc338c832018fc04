import type { KubeObject } from '../api/kube-object';
import { FieldError } from '../api/status-error';
import { BASE_STRATEGY, type ResourceStrategy, type StrategyContext } from './resource-strategy';

type ServicePort = { port?: number; targetPort?: number | string; protocol?: string; nodePort?: number; name?: string };
type ServiceSpec = { type?: string; clusterIP?: string; clusterIPs?: string[]; ports?: ServicePort[]; [k: string]: unknown };

export const SERVICE_STRATEGY: ResourceStrategy = {
  ...BASE_STRATEGY,
  nameFormat: 'dns-1035-label',
  hasStatus: true,
  prepareForCreate(svc: KubeObject, ctx: StrategyContext): void {
    const spec = (svc.spec ??= {}) as ServiceSpec;
    spec.type ??= 'ClusterIP';
    if (spec.type !== 'ExternalName') {
      spec.clusterIP ??= ctx.allocateClusterIP();
      spec.clusterIPs = [spec.clusterIP];
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
      spec.internalTrafficPolicy ??= 'Cluster';
    }
    spec.sessionAffinity ??= 'None';
    for (const p of spec.ports ?? []) {
      p.protocol ??= 'TCP';
      p.targetPort ??= p.port;
      if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') p.nodePort ??= ctx.allocateNodePort();
    }
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
    svc.status = { loadBalancer: {} };
  },
  prepareForUpdate(svc: KubeObject, old: KubeObject): void {
    const spec = (svc.spec ??= {}) as ServiceSpec;
    const before = old.spec as ServiceSpec;
    spec.clusterIP ??= before.clusterIP;
    spec.clusterIPs ??= before.clusterIPs;
    for (const p of spec.ports ?? []) {
      p.protocol ??= 'TCP';
      p.targetPort ??= p.port;
    }
  },
  validate(svc: KubeObject, old?: KubeObject): FieldError[] {
    const spec = svc.spec as ServiceSpec;
    const errors: FieldError[] = [];
    const types = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
    if (!types.includes(spec.type ?? '')) errors.push(FieldError.notSupported('spec.type', spec.type, types));
    if (spec.type !== 'ExternalName' && !spec.ports?.length) errors.push(FieldError.required('spec.ports', ''));
    spec.ports?.forEach((p, i) => {
      if (!p.port || p.port < 1 || p.port > 65535) {
        errors.push(FieldError.invalid(`spec.ports[${i}].port`, p.port ?? 0, 'must be between 1 and 65535, inclusive'));
      }
      if ((spec.ports?.length ?? 0) > 1 && !p.name) errors.push(FieldError.required(`spec.ports[${i}].name`, ''));
    });
    const before = old?.spec as ServiceSpec | undefined;
    if (before && before.clusterIP && spec.clusterIP !== before.clusterIP) {
      errors.push(FieldError.invalid('spec.clusterIPs[0]', spec.clusterIP, 'may not change once set'));
    }
    return errors;
  },
};
