import path from 'node:path';
import { workspaceRoot } from '@portcullis/platform/testing';
import type { OperatorProvided } from './operator-provided';
import { operatorProvidedFile } from './operator-provided';
import { containersOf, objectId, podTemplate, type Container, type KeyToPath, type PodSpec, type RenderedObject } from './rendered-object';

// The volume types the restricted Pod Security Standard admits; hostPath is the one it exists to keep out.
const restrictedVolumeTypes = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const seccompConfined = new Set(['RuntimeDefault', 'Localhost']);

interface Reference {
  kind: 'Secret' | 'ConfigMap';
  name?: string;
  /** Keys the reference reads; none when it takes them all. */
  keys: string[];
  optional?: boolean;
  /** Where the reference is: env DATABASE_URL, volume proxy-tls, imagePullSecrets[0]. */
  from: string;
}

/**
 * What every workload's pods must be before they may run: the restricted Pod Security Standard,
 * probes, sized resources, pinned images, and Secrets and ConfigMaps that exist with the keys read
 * (an Ingress's TLS Secrets too). Init containers are held to the same, except probes: they run
 * to completion before any.
 */
export class WorkloadPolicy {
  constructor(private readonly operatorProvided: OperatorProvided) {}

  check(dir: string, objects: RenderedObject[]): string[] {
    const problems: string[] = [];
    for (const object of objects) {
      if (object.kind === 'Ingress') {
        // The ingress controller serves its TLS from these Secrets, and a default certificate without one.
        const tls = (object.spec?.tls ?? []) as Array<{ secretName?: string }>;
        const references = tls.flatMap(({ secretName }, index): Reference[] => (secretName ? [{ kind: 'Secret', name: secretName, keys: ['tls.crt', 'tls.key'], from: `spec.tls[${index}]` }] : []));
        problems.push(...this.referenceProblems(references, object, objects).map((reason) => `${objectId(object, dir)}: ${reason}`));
      }
      const found = podTemplate(object);
      if (!found?.template.spec) continue;
      const id = objectId(object, dir);
      const spec = found.template.spec;
      problems.push(...this.podProblems(spec).map((reason) => `${id}: ${reason}`));
      for (const { container, init } of containersOf(spec, found.path)) {
        const reasons = [...this.securityProblems(spec, container), ...this.runtimeProblems(container, init), ...this.referenceProblems(this.containerReferences(container), object, objects)];
        problems.push(...reasons.map((reason) => `${id} ${init ? 'init container' : 'container'} ${container.name}: ${reason}`));
      }
      problems.push(...this.referenceProblems(this.podReferences(spec), object, objects).map((reason) => `${id}: ${reason}`));
    }
    return problems;
  }

  private podProblems(spec: PodSpec): string[] {
    const problems: string[] = [];
    if (spec.hostNetwork) problems.push("hostNetwork: shares the node's network namespace");
    if (spec.hostPID) problems.push("hostPID: shares the node's process namespace");
    if (spec.hostIPC) problems.push("hostIPC: shares the node's IPC namespace");
    const pod = spec.securityContext ?? {};
    // The containers may override these, but the restricted standard rejects the pod's own values all the same.
    if (pod.runAsNonRoot === false) problems.push('securityContext.runAsNonRoot: false');
    if (pod.runAsUser === 0) problems.push('securityContext.runAsUser: 0 runs as root');
    if (pod.seccompProfile && !seccompConfined.has(pod.seccompProfile.type)) problems.push(`securityContext.seccompProfile.type: ${pod.seccompProfile.type}`);
    for (const volume of spec.volumes ?? []) {
      const type = Object.keys(volume).find((key) => key !== 'name');
      if (type && !restrictedVolumeTypes.has(type)) problems.push(`volume ${volume.name}: ${type} volumes are not allowed by the restricted Pod Security Standard`);
    }
    return problems;
  }

  private securityProblems(spec: PodSpec, container: Container): string[] {
    const problems: string[] = [];
    const pod = spec.securityContext ?? {};
    const own = container.securityContext ?? {};
    // The container's setting, where it has one, overrides the pod's.
    const runAsNonRoot = own.runAsNonRoot ?? pod.runAsNonRoot;
    if (runAsNonRoot !== true) problems.push(`runAsNonRoot is ${runAsNonRoot ?? 'unset'} (true on the pod or the container)`);
    if (own.runAsUser === 0) problems.push('securityContext.runAsUser: 0 runs as root');
    const seccomp = own.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (!seccomp || !seccompConfined.has(seccomp)) problems.push(`seccompProfile.type is ${seccomp ?? 'unset'} (RuntimeDefault or Localhost, on the pod or the container)`);
    if (own.allowPrivilegeEscalation !== false) problems.push('securityContext.allowPrivilegeEscalation must be false');
    if (own.privileged) problems.push('securityContext.privileged: true');
    if (own.readOnlyRootFilesystem !== true) problems.push('securityContext.readOnlyRootFilesystem must be true');
    if (!own.capabilities?.drop?.includes('ALL')) problems.push('securityContext.capabilities.drop must include ALL');
    const added = (own.capabilities?.add ?? []).filter((capability) => capability !== 'NET_BIND_SERVICE');
    if (added.length) problems.push(`securityContext.capabilities.add: ${added.join(', ')} (only NET_BIND_SERVICE may be added)`);
    for (const port of container.ports ?? []) {
      if (port.hostPort) problems.push(`port ${port.name ?? port.containerPort}: hostPort ${port.hostPort} binds on the node`);
    }
    return problems;
  }

  private runtimeProblems(container: Container, init: boolean): string[] {
    const problems: string[] = [];
    if (!init && !container.livenessProbe) problems.push('no livenessProbe');
    if (!init && !container.readinessProbe) problems.push('no readinessProbe');
    // No CPU limit is required, on purpose: CFS throttling would stall every stream the proxy or
    // a cluster agent carries at once. CPU requests size the scheduling; memory limits bound the
    // damage of a leak to the one container.
    const { requests = {}, limits = {} } = container.resources ?? {};
    if (requests.cpu === undefined) problems.push('resources.requests.cpu is not set');
    if (requests.memory === undefined) problems.push('resources.requests.memory is not set');
    if (limits.memory === undefined) problems.push('resources.limits.memory is not set');
    const image = imageProblem(container.image);
    if (image) problems.push(image);
    return problems;
  }

  private containerReferences(container: Container): Reference[] {
    const references: Reference[] = [];
    for (const { name, valueFrom } of container.env ?? []) {
      const { secretKeyRef, configMapKeyRef } = valueFrom ?? {};
      if (secretKeyRef) references.push({ kind: 'Secret', ...secretKeyRef, keys: [secretKeyRef.key], from: `env ${name}` });
      if (configMapKeyRef) references.push({ kind: 'ConfigMap', ...configMapKeyRef, keys: [configMapKeyRef.key], from: `env ${name}` });
    }
    (container.envFrom ?? []).forEach(({ secretRef, configMapRef }, index) => {
      if (secretRef) references.push({ kind: 'Secret', ...secretRef, keys: [], from: `envFrom[${index}]` });
      if (configMapRef) references.push({ kind: 'ConfigMap', ...configMapRef, keys: [], from: `envFrom[${index}]` });
    });
    return references;
  }

  private podReferences(spec: PodSpec): Reference[] {
    const references: Reference[] = [];
    const keysOf = (items?: KeyToPath[]): string[] => (items ?? []).map((item) => item.key);
    for (const { name, secret, configMap, projected } of spec.volumes ?? []) {
      if (secret) references.push({ kind: 'Secret', name: secret.secretName, keys: keysOf(secret.items), optional: secret.optional, from: `volume ${name}` });
      if (configMap) references.push({ kind: 'ConfigMap', name: configMap.name, keys: keysOf(configMap.items), optional: configMap.optional, from: `volume ${name}` });
      for (const source of projected?.sources ?? []) {
        if (source.secret) references.push({ kind: 'Secret', ...source.secret, keys: keysOf(source.secret.items), from: `volume ${name}` });
        if (source.configMap) references.push({ kind: 'ConfigMap', ...source.configMap, keys: keysOf(source.configMap.items), from: `volume ${name}` });
      }
    }
    (spec.imagePullSecrets ?? []).forEach(({ name }, index) => references.push({ kind: 'Secret', name, keys: [], from: `imagePullSecrets[${index}]` }));
    return references;
  }

  /** References must resolve in the workload's own namespace: a pod cannot read another's. */
  private referenceProblems(references: Reference[], workload: RenderedObject, objects: RenderedObject[]): string[] {
    const problems: string[] = [];
    const namespace = workload.metadata?.namespace;
    for (const { kind, name, keys, optional, from } of references) {
      // The kubelet starts a pod whose optional reference is missing; only required ones must exist.
      if (optional) continue;
      if (!name) {
        problems.push(`${from}: names no ${kind}`);
        continue;
      }
      const sameName = objects.filter((object) => object.kind === kind && object.metadata?.name === name);
      const rendered = sameName.find((object) => object.metadata?.namespace === namespace);
      const listed = (kind === 'Secret' ? this.operatorProvided.secrets : this.operatorProvided.configMaps).get(name);
      const held = rendered ? [...Object.keys(rendered.data ?? {}), ...Object.keys(rendered.stringData ?? {}), ...Object.keys(rendered.binaryData ?? {})] : listed;
      if (!held) {
        const elsewhere = sameName.length ? ` (it is rendered in namespace ${sameName.map((object) => object.metadata?.namespace ?? '<none>').join(', ')})` : '';
        problems.push(`${from}: ${kind} ${name} is neither rendered${namespace ? ` in namespace ${namespace}` : ''} nor listed in ${path.relative(workspaceRoot, operatorProvidedFile)}${elsewhere}`);
        continue;
      }
      const missing = keys.filter((key) => !held.includes(key));
      if (missing.length) {
        problems.push(`${from}: ${kind} ${name} has no key ${missing.join(', ')} (${rendered ? 'rendered' : 'listed'} with ${held.join(', ') || 'none'})`);
      }
    }
    return problems;
  }
}

/** Why an image reference does not pin what runs, if it does not. */
function imageProblem(image: string | undefined): string | undefined {
  if (!image) return 'no image';
  if (/@[a-z0-9]+:[a-f0-9]{32,}$/.test(image)) return undefined;
  // A registry's port has a colon too; the tag is on the last path segment.
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : undefined;
  if (tag === undefined) return `image ${image} has no tag, so it runs whatever latest is`;
  if (tag === 'latest') return `image ${image} is tagged latest`;
  return undefined;
}
