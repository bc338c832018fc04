import {
  containersOf,
  isEmptySelector,
  objectId,
  podTemplate,
  selects,
  type Container,
  type LabelSelector,
  type PodTemplate,
  type RenderedObject,
} from './rendered-object';

// k8s.io/apimachinery/pkg/util/validation, which kube-apiserver validates names and labels with.
const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const labelName = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** A port name: at most 15 characters, lower case, a letter at least, no leading, trailing or doubled hyphen. */
export function ianaServiceNameProblem(name: string): string | undefined {
  if (name.length > 15) return `port name ${name} is longer than 15 characters`;
  if (!/^[-a-z0-9]+$/.test(name) || !/[a-z]/.test(name) || /^-|-$|--/.test(name)) return `port name ${name} is not an IANA service name`;
  return undefined;
}

function isPortNumber(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

const quantitySuffixes: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A resource quantity as a number (500m is 0.5, 1Ki is 1024); undefined if it is not one, which the schema check reports. */
export function quantityValue(quantity: string | number): number | undefined {
  if (typeof quantity === 'number') return quantity;
  const match = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|([a-zA-Z]*))$/.exec(quantity);
  if (!match) return undefined;
  const [, number, exponent, suffix = ''] = match;
  const factor = exponent ? 10 ** Number(exponent.slice(1)) : quantitySuffixes[suffix];
  return factor === undefined ? undefined : Number(number) * factor;
}

function dnsProblem(value: string, rule: 'label' | 'subdomain' | 'dns1035', what: string): string | undefined {
  const [pattern, limit, description] = {
    label: [dns1123Label, 63, 'a DNS-1123 label'],
    subdomain: [dns1123Subdomain, 253, 'a DNS-1123 subdomain'],
    dns1035: [dns1035Label, 63, 'a DNS-1035 label (it must start with a letter)'],
  }[rule] as [RegExp, number, string];
  return value.length > limit || !pattern.test(value) ? `${what} ${value} is not ${description}` : undefined;
}

function labelProblems(labels: Record<string, string> | undefined, at: string): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    const [prefix, name] = key.includes('/') ? [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)] : [undefined, key];
    if (prefix !== undefined && (prefix.length > 253 || !dns1123Subdomain.test(prefix))) problems.push(`${at}: label key ${key} has an invalid prefix`);
    if (name.length > 63 || !labelName.test(name)) problems.push(`${at}: label key ${key} is not a valid label name`);
    if (typeof value !== 'string' || value.length > 63 || (value !== '' && !labelName.test(value))) problems.push(`${at}: label value ${String(value)} of ${key} is not a valid label value`);
  }
  return problems;
}

interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
}

interface Workload {
  object: RenderedObject;
  template: PodTemplate;
}

/**
 * What kube-apiserver, the controllers and the kubelet enforce about objects' relations that
 * no schema expresses: names, selectors that select, ports that exist by name, targets that
 * exist. A Service or PodDisruptionBudget that selects no pods is accepted and then silently
 * does nothing, so it is checked against the workloads rendered with it.
 */
export class ApiSemantics {
  check(dir: string, objects: RenderedObject[]): string[] {
    const workloads = objects.flatMap((object): Workload[] => {
      const found = podTemplate(object);
      return found && object.kind !== 'Pod' ? [{ object, template: found.template }] : [];
    });
    const problems: string[] = [];
    for (const object of objects) {
      const reasons = [...this.metadataProblems(object), ...this.kindProblems(object, objects, workloads)];
      problems.push(...reasons.map((reason) => `${objectId(object, dir)}: ${reason}`));
    }
    return problems;
  }

  private metadataProblems(object: RenderedObject): string[] {
    const { name, namespace, labels } = object.metadata ?? {};
    const problems: string[] = [];
    if (!name) problems.push('metadata.name: required field missing');
    else {
      // Most kinds take a DNS-1123 subdomain; RBAC objects would take any path segment
      // (system:auth-delegator), but ours are held to DNS names like everything else.
      const rule = object.kind === 'Service' ? 'dns1035' : object.kind === 'Namespace' ? 'label' : 'subdomain';
      const problem = dnsProblem(name, rule, 'metadata.name');
      if (problem) problems.push(problem);
    }
    const namespaceProblem = namespace === undefined ? undefined : dnsProblem(namespace, 'label', 'metadata.namespace');
    if (namespaceProblem) problems.push(namespaceProblem);
    problems.push(...labelProblems(labels, 'metadata.labels'));
    return problems;
  }

  private kindProblems(object: RenderedObject, objects: RenderedObject[], workloads: Workload[]): string[] {
    const spec = (object.spec ?? {}) as Record<string, unknown>;
    const sameNamespace = workloads.filter((workload) => workload.object.metadata?.namespace === object.metadata?.namespace);
    const problems: string[] = [];
    const found = podTemplate(object);
    const restartPolicy = found?.template.spec?.restartPolicy;
    if (found && (object.kind === 'Job' || object.kind === 'CronJob') && restartPolicy !== 'Never' && restartPolicy !== 'OnFailure') {
      problems.push(`${found.path}.spec.restartPolicy is ${restartPolicy ?? 'unset (Always)'}: a ${object.kind}'s pods must use Never or OnFailure`);
    }
    if (found && object.kind !== 'Pod' && object.kind !== 'Job' && object.kind !== 'CronJob' && restartPolicy !== undefined && restartPolicy !== 'Always') {
      problems.push(`${found.path}.spec.restartPolicy is ${restartPolicy}: a ${object.kind}'s pods must use Always`);
    }
    // A StatefulSet's claim templates are volumes its containers mount like any declared one.
    const claims = ((spec.volumeClaimTemplates ?? []) as Array<{ metadata?: { name?: string } }>).flatMap((claim) => (claim.metadata?.name ? [claim.metadata.name] : []));
    if (found) problems.push(...this.podProblems(found.template, found.path, objects, object.metadata?.namespace, claims));

    switch (object.kind) {
      case 'Deployment':
      case 'StatefulSet':
      case 'DaemonSet':
      case 'ReplicaSet': {
        const selector = spec.selector as LabelSelector | undefined;
        problems.push(...labelProblems(selector?.matchLabels, 'spec.selector.matchLabels'));
        if (isEmptySelector(selector)) problems.push('spec.selector: an empty selector is invalid for a workload');
        else if (!selects(selector as LabelSelector, found?.template.metadata?.labels)) problems.push('spec.selector does not match spec.template.metadata.labels');
        if (object.kind === 'StatefulSet') problems.push(...this.governingServiceProblems(object, objects, found?.template));
        break;
      }
      case 'Service':
        problems.push(...this.serviceProblems(spec, sameNamespace));
        break;
      case 'PodDisruptionBudget': {
        const selector = spec.selector as LabelSelector | undefined;
        problems.push(...labelProblems(selector?.matchLabels, 'spec.selector.matchLabels'));
        // policy/v1: a null selector selects no pods, an empty one every pod of the namespace.
        if (!selector) problems.push('spec.selector is unset, so it protects no pods');
        else if (!sameNamespace.some((workload) => selects(selector, workload.template.metadata?.labels))) problems.push('spec.selector selects no rendered workload');
        if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) problems.push('spec.minAvailable and spec.maxUnavailable are mutually exclusive');
        break;
      }
      case 'HorizontalPodAutoscaler': {
        const target = spec.scaleTargetRef as { apiVersion?: string; kind?: string; name?: string } | undefined;
        const exists = sameNamespace.some(({ object: workload }) => workload.kind === target?.kind && workload.metadata?.name === target?.name && (!target?.apiVersion || workload.apiVersion === target.apiVersion));
        if (!exists) problems.push(`spec.scaleTargetRef ${target?.apiVersion ?? ''} ${target?.kind}/${target?.name} is not rendered in this namespace`);
        if (typeof spec.minReplicas === 'number' && typeof spec.maxReplicas === 'number' && spec.minReplicas > spec.maxReplicas) problems.push('spec.minReplicas is greater than spec.maxReplicas');
        break;
      }
      case 'NetworkPolicy':
        problems.push(...this.networkPolicyProblems(spec, sameNamespace));
        break;
      case 'Ingress':
        problems.push(...this.ingressProblems(spec, objects.filter((other) => other.kind === 'Service' && other.metadata?.namespace === object.metadata?.namespace)));
        break;
      default:
        break;
    }
    return problems;
  }

  private podProblems(template: PodTemplate, at: string, objects: RenderedObject[], namespace: string | undefined, claims: string[]): string[] {
    const problems: string[] = [];
    const spec = template.spec ?? {};
    const prefix = at ? `${at}.spec` : 'spec';
    if (at) problems.push(...labelProblems(template.metadata?.labels, `${at}.metadata.labels`));

    const volumes = new Set<string>(claims);
    for (const volume of spec.volumes ?? []) {
      const problem = dnsProblem(volume.name, 'label', `${prefix}.volumes: volume name`);
      if (problem) problems.push(problem);
      if (volumes.has(volume.name)) problems.push(`${prefix}.volumes: volume ${volume.name} is declared twice`);
      volumes.add(volume.name);
    }
    const names = new Set<string>();
    for (const { container, path } of containersOf(spec, at)) {
      const nameProblem = dnsProblem(container.name, 'label', `${path}.name`);
      if (nameProblem) problems.push(nameProblem);
      if (names.has(container.name)) problems.push(`${path}.name: container ${container.name} is declared twice in the pod`);
      names.add(container.name);
      problems.push(...this.portProblems(container, path), ...this.containerProblems(container, path));
      for (const mount of container.volumeMounts ?? []) {
        if (!volumes.has(mount.name)) problems.push(`${path}.volumeMounts: volume ${mount.name} is not declared in ${prefix}.volumes`);
      }
    }
    const account = spec.serviceAccountName;
    if (account && account !== 'default' && !objects.some((object) => object.kind === 'ServiceAccount' && object.metadata?.name === account && object.metadata?.namespace === namespace)) {
      problems.push(`${prefix}.serviceAccountName: ServiceAccount ${account} is not rendered in this namespace`);
    }
    return problems;
  }

  private portProblems(container: Container, at: string): string[] {
    const problems: string[] = [];
    const names = new Set<string>();
    (container.ports ?? []).forEach((port, index) => {
      if (!isPortNumber(port.containerPort)) problems.push(`${at}.ports[${index}].containerPort: ${port.containerPort} is not between 1 and 65535`);
      if (port.hostPort !== undefined && !isPortNumber(port.hostPort)) problems.push(`${at}.ports[${index}].hostPort: ${port.hostPort} is not between 1 and 65535`);
      if (port.name === undefined) return;
      const problem = ianaServiceNameProblem(port.name);
      if (problem) problems.push(`${at}.ports[${index}].name: ${problem}`);
      if (names.has(port.name)) problems.push(`${at}.ports[${index}].name: ${port.name} is declared twice`);
      names.add(port.name);
    });
    // The kubelet resolves a probe's named port in its own container; a missing one fails the probe for ever.
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
      const port = container[probe]?.httpGet?.port ?? container[probe]?.tcpSocket?.port;
      if (typeof port === 'string' && !names.has(port)) problems.push(`${at}.${probe}: port ${port} is not a named port of container ${container.name}`);
    }
    return problems;
  }

  /** Rules kube-apiserver's pod validation applies to a container's probes and resources. */
  private containerProblems(container: Container, at: string): string[] {
    const problems: string[] = [];
    for (const probe of ['livenessProbe', 'startupProbe'] as const) {
      const threshold = container[probe]?.successThreshold;
      if (threshold !== undefined && threshold !== 1) problems.push(`${at}.${probe}.successThreshold: must be 1`);
    }
    const { requests = {}, limits = {} } = container.resources ?? {};
    for (const [resource, limit] of Object.entries(limits)) {
      const request = requests[resource];
      if (request === undefined) continue;
      const [requested, limited] = [quantityValue(request), quantityValue(limit)];
      if (requested !== undefined && limited !== undefined && requested > limited) {
        problems.push(`${at}.resources.requests.${resource}: ${request} is more than the limit ${limit}`);
      }
    }
    return problems;
  }

  private serviceProblems(spec: Record<string, unknown>, workloads: Workload[]): string[] {
    const problems: string[] = [];
    const ports = (spec.ports ?? []) as ServicePort[];
    const names = new Set<string>();
    const numbers = new Set<string>();
    ports.forEach((port, index) => {
      if (port.name === undefined && ports.length > 1) problems.push(`spec.ports[${index}].name: required when a Service has more than one port`);
      if (port.name !== undefined) {
        const problem = dnsProblem(port.name, 'label', `spec.ports[${index}].name`);
        if (problem) problems.push(problem);
        if (names.has(port.name)) problems.push(`spec.ports[${index}].name: ${port.name} is declared twice`);
        names.add(port.name);
      }
      const number = `${port.port}/${port.protocol ?? 'TCP'}`;
      if (numbers.has(number)) problems.push(`spec.ports[${index}]: ${number} is declared twice`);
      numbers.add(number);
      if (!isPortNumber(port.port)) problems.push(`spec.ports[${index}].port: ${port.port} is not between 1 and 65535`);
      if (typeof port.targetPort === 'number' && !isPortNumber(port.targetPort)) problems.push(`spec.ports[${index}].targetPort: ${port.targetPort} is not between 1 and 65535`);
      if (typeof port.targetPort === 'string') {
        const problem = ianaServiceNameProblem(port.targetPort);
        if (problem) problems.push(`spec.ports[${index}].targetPort: ${problem}`);
      }
    });

    const selector = spec.selector as Record<string, string> | undefined;
    // A Service without a selector has its endpoints written by hand (or is an ExternalName).
    if (spec.type === 'ExternalName' || !selector || Object.keys(selector).length === 0) return problems;
    problems.push(...labelProblems(selector, 'spec.selector'));
    const selected = workloads.filter((workload) => selects({ matchLabels: selector }, workload.template.metadata?.labels));
    if (selected.length === 0) return [...problems, 'spec.selector selects no rendered workload in this namespace'];
    ports.forEach((port, index) => {
      if (typeof port.targetPort !== 'string') return;
      const named = selected.some(({ template }) => containersOf(template.spec ?? {}, '').some(({ container }) => container.ports?.some((own) => own.name === port.targetPort)));
      if (!named) problems.push(`spec.ports[${index}].targetPort: ${port.targetPort} is not a named containerPort of the selected pods (${selected.map(({ object }) => `${object.kind}/${object.metadata?.name}`).join(', ')})`);
    });
    return problems;
  }

  /**
   * A StatefulSet's pods get their stable DNS names (nats-0.nats) from a headless Service that
   * selects them. Replicas find their peers by those names; a single replica is reached through
   * its Service, so only a set of more than one must have a headless one.
   */
  private governingServiceProblems(statefulSet: RenderedObject, objects: RenderedObject[], template: PodTemplate | undefined): string[] {
    const serviceName = statefulSet.spec?.serviceName as string | undefined;
    if (!serviceName) return [];
    const service = objects.find((object) => object.kind === 'Service' && object.metadata?.name === serviceName && object.metadata?.namespace === statefulSet.metadata?.namespace);
    if (!service) return [`spec.serviceName: Service ${serviceName} is not rendered in this namespace`];
    const spec = service.spec as { clusterIP?: string; selector?: Record<string, string> };
    const problems: string[] = [];
    const replicas = (statefulSet.spec?.replicas as number | undefined) ?? 1;
    if (replicas > 1 && spec.clusterIP !== 'None') problems.push(`spec.serviceName: Service ${serviceName} is not headless (clusterIP: None), so the pods get no stable DNS names`);
    if (!spec.selector || !selects({ matchLabels: spec.selector }, template?.metadata?.labels)) problems.push(`spec.serviceName: Service ${serviceName} does not select this StatefulSet's pods`);
    return problems;
  }

  /** An Ingress routes to Services of its own namespace, by a port the Service has. */
  private ingressProblems(spec: Record<string, unknown>, services: RenderedObject[]): string[] {
    type Backend = { service?: { name?: string; port?: { name?: string; number?: number } } };
    const rules = (spec.rules ?? []) as Array<{ http?: { paths?: Array<{ backend?: Backend }> } }>;
    const backends: Array<[string, Backend | undefined]> = [
      ...(spec.defaultBackend ? [['spec.defaultBackend', spec.defaultBackend as Backend] as [string, Backend]] : []),
      ...rules.flatMap((rule, ruleIndex) => (rule.http?.paths ?? []).map((route, pathIndex): [string, Backend | undefined] => [`spec.rules[${ruleIndex}].http.paths[${pathIndex}].backend`, route.backend])),
    ];
    const problems: string[] = [];
    for (const [at, backend] of backends) {
      if (!backend?.service) continue;
      const { name, port } = backend.service;
      const service = services.find((each) => each.metadata?.name === name);
      if (!service) {
        problems.push(`${at}: Service ${name} is not rendered in this namespace`);
        continue;
      }
      const ports = ((service.spec?.ports ?? []) as ServicePort[]).filter((own) => (port?.name !== undefined ? own.name === port.name : own.port === port?.number));
      if (ports.length === 0) problems.push(`${at}: Service ${name} has no port ${port?.name ?? port?.number}`);
    }
    return problems;
  }

  /** A policy that selects no pods protects nothing; a named port no selected pod has admits nothing. */
  private networkPolicyProblems(spec: Record<string, unknown>, workloads: Workload[]): string[] {
    const podSelector = (spec.podSelector ?? {}) as LabelSelector;
    const problems = labelProblems(podSelector.matchLabels, 'spec.podSelector.matchLabels');
    // An empty podSelector is every pod of the namespace: a namespace-wide default.
    if (isEmptySelector(podSelector)) return problems;
    const selected = workloads.filter((workload) => selects(podSelector, workload.template.metadata?.labels));
    if (selected.length === 0) return [...problems, 'spec.podSelector selects no rendered workload in this namespace'];
    const rules = (spec.ingress ?? []) as Array<{ ports?: Array<{ port?: number | string }> }>;
    rules.forEach((rule, ruleIndex) =>
      (rule.ports ?? []).forEach(({ port }, portIndex) => {
        if (typeof port !== 'string') return;
        const named = selected.some(({ template }) => containersOf(template.spec ?? {}, '').some(({ container }) => container.ports?.some((own) => own.name === port)));
        if (!named) problems.push(`spec.ingress[${ruleIndex}].ports[${portIndex}].port: ${port} is not a named containerPort of the selected pods`);
      }),
    );
    return problems;
  }
}
