/**
 * What the checks read of a rendered object. The schema check runs first and proves the types;
 * these checks only need to find their fields, so every field is optional.
 */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

export interface KeyRef {
  name?: string;
  key: string;
  optional?: boolean;
}

export interface KeyToPath {
  key: string;
  path: string;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  hostPort?: number;
}

export interface Probe {
  successThreshold?: number;
  httpGet?: { port: number | string };
  tcpSocket?: { port: number | string };
  grpc?: { port: number };
  exec?: unknown;
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type: string };
}

export interface Container {
  name: string;
  image?: string;
  ports?: ContainerPort[];
  env?: Array<{ name: string; valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef } }>;
  envFrom?: Array<{ secretRef?: { name?: string; optional?: boolean }; configMapRef?: { name?: string; optional?: boolean } }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: SecurityContext;
  volumeMounts?: Array<{ name: string }>;
}

export interface Volume {
  name: string;
  [source: string]: unknown;
  secret?: { secretName?: string; items?: KeyToPath[]; optional?: boolean };
  configMap?: { name?: string; items?: KeyToPath[]; optional?: boolean };
  projected?: {
    sources?: Array<{ secret?: { name?: string; items?: KeyToPath[]; optional?: boolean }; configMap?: { name?: string; items?: KeyToPath[]; optional?: boolean } }>;
  };
}

export interface PodSpec {
  restartPolicy?: string;
  serviceAccountName?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  securityContext?: Pick<SecurityContext, 'runAsNonRoot' | 'runAsUser' | 'seccompProfile'>;
  initContainers?: Container[];
  containers?: Container[];
  volumes?: Volume[];
  imagePullSecrets?: Array<{ name?: string }>;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: PodSpec;
}

/** Deployment/portcullis-proxy or Role/portcullis-system/portcullis-agent, and where it was rendered. */
export function objectId(object: RenderedObject, dir: string): string {
  const { name = '<no name>', namespace } = object.metadata ?? {};
  return `${object.kind}/${namespace ? `${namespace}/` : ''}${name} (${dir})`;
}

/** The pod template of a workload (a Pod is its own), with its path in the object. */
export function podTemplate(object: RenderedObject): { path: string; template: PodTemplate } | undefined {
  const spec = object.spec as { template?: PodTemplate; jobTemplate?: { spec?: { template?: PodTemplate } } } | undefined;
  switch (object.kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return spec?.template ? { path: 'spec.template', template: spec.template } : undefined;
    case 'CronJob':
      return spec?.jobTemplate?.spec?.template ? { path: 'spec.jobTemplate.spec.template', template: spec.jobTemplate.spec.template } : undefined;
    case 'Pod':
      return { path: '', template: { metadata: object.metadata, spec: object.spec as PodSpec } };
    default:
      return undefined;
  }
}

/** Every container of a pod, init containers first, with the field path of each. */
export function containersOf(spec: PodSpec, at: string): Array<{ container: Container; path: string; init: boolean }> {
  const prefix = at ? `${at}.spec` : 'spec';
  return [
    ...(spec.initContainers ?? []).map((container, index) => ({ container, path: `${prefix}.initContainers[${index}]`, init: true })),
    ...(spec.containers ?? []).map((container, index) => ({ container, path: `${prefix}.containers[${index}]`, init: false })),
  ];
}

/** Whether a label selector selects these labels. An empty one selects everything: callers decide what that means for their kind. */
export function selects(selector: LabelSelector, labels: Record<string, string> = {}): boolean {
  const { matchLabels = {}, matchExpressions = [] } = selector;
  return (
    Object.entries(matchLabels).every(([key, value]) => labels[key] === value) &&
    matchExpressions.every(({ key, operator, values = [] }) => {
      switch (operator) {
        case 'In':
          return key in labels && values.includes(labels[key]);
        case 'NotIn':
          return !(key in labels) || !values.includes(labels[key]);
        case 'Exists':
          return key in labels;
        case 'DoesNotExist':
          return !(key in labels);
        default:
          return false;
      }
    })
  );
}

export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0;
}
