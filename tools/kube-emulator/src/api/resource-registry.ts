// The API surface the emulator serves. Names, kinds, verbs, short names and subresources match
// what a Kubernetes 1.32 API server advertises in discovery for the same resources.

export interface SubresourceType {
  name: string;
  kind: string;
  /** Response kind's group/version when it differs from the parent resource's (e.g. TokenRequest). */
  group?: string;
  version?: string;
  verbs: string[];
}

export interface ResourceType {
  group: string;
  version: string;
  resource: string;
  kind: string;
  singular: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
  categories: string[];
  subresources: SubresourceType[];
  /** false for request-only resources such as SelfSubjectAccessReview (never stored, only created). */
  stored: boolean;
  /** PUT of a missing object creates it (RESTUpdateStrategy.AllowCreateOnUpdate). */
  allowCreateOnUpdate: boolean;
  /** DELETE answers with the deleted object rather than a Success Status. */
  deleteReturnsObject: boolean;
}

const READ_WRITE = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const CREATE_ONLY = ['create'];
const STATUS: SubresourceType = { name: 'status', kind: '', verbs: ['get', 'patch', 'update'] };

interface Definition extends Partial<ResourceType> {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
}

function define(d: Definition): ResourceType {
  return {
    singular: d.kind.toLowerCase(),
    verbs: READ_WRITE,
    shortNames: [],
    categories: [],
    subresources: [],
    stored: true,
    allowCreateOnUpdate: false,
    deleteReturnsObject: false,
    ...d,
  };
}

function withStatus(kind: string): SubresourceType {
  return { ...STATUS, kind };
}

export const RESOURCE_TYPES: readonly ResourceType[] = [
  define({
    group: '',
    version: 'v1',
    resource: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    shortNames: ['ns'],
    subresources: [withStatus('Namespace'), { name: 'finalize', kind: 'Namespace', verbs: ['update'] }],
    deleteReturnsObject: true,
  }),
  define({
    group: '',
    version: 'v1',
    resource: 'pods',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      { name: 'attach', kind: 'PodAttachOptions', verbs: ['create', 'get'] },
      { name: 'exec', kind: 'PodExecOptions', verbs: ['create', 'get'] },
      { name: 'log', kind: 'Pod', verbs: ['get'] },
      { name: 'portforward', kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
      withStatus('Pod'),
    ],
    deleteReturnsObject: true,
  }),
  define({
    group: '',
    version: 'v1',
    resource: 'services',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    subresources: [withStatus('Service')],
    deleteReturnsObject: true,
  }),
  define({ group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] }),
  define({ group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true }),
  define({
    group: '',
    version: 'v1',
    resource: 'serviceaccounts',
    kind: 'ServiceAccount',
    namespaced: true,
    shortNames: ['sa'],
    subresources: [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }],
    deleteReturnsObject: true,
  }),
  define({
    group: '',
    version: 'v1',
    resource: 'events',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    allowCreateOnUpdate: true,
  }),
  define({
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [
      { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] },
      withStatus('Deployment'),
    ],
  }),
  // Stored and served like any object; nothing enforces them, as no pod network exists here.
  define({ group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', kind: 'NetworkPolicy', namespaced: true, shortNames: ['netpol'] }),
  ...(['clusterrolebindings', 'clusterroles', 'rolebindings', 'roles'] as const).map((resource) =>
    define({
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      resource,
      kind: { clusterrolebindings: 'ClusterRoleBinding', clusterroles: 'ClusterRole', rolebindings: 'RoleBinding', roles: 'Role' }[resource],
      namespaced: !resource.startsWith('cluster'),
      allowCreateOnUpdate: true,
    }),
  ),
  ...(
    [
      ['localsubjectaccessreviews', 'LocalSubjectAccessReview', true],
      ['selfsubjectaccessreviews', 'SelfSubjectAccessReview', false],
      ['selfsubjectrulesreviews', 'SelfSubjectRulesReview', false],
      ['subjectaccessreviews', 'SubjectAccessReview', false],
    ] as const
  ).map(([resource, kind, namespaced]) =>
    define({ group: 'authorization.k8s.io', version: 'v1', resource, kind, namespaced, verbs: CREATE_ONLY, stored: false }),
  ),
  ...(
    [
      ['selfsubjectreviews', 'SelfSubjectReview'],
      ['tokenreviews', 'TokenReview'],
    ] as const
  ).map(([resource, kind]) =>
    define({ group: 'authentication.k8s.io', version: 'v1', resource, kind, namespaced: false, verbs: CREATE_ONLY, stored: false }),
  ),
];

export function apiVersionOf(type: { group: string; version: string }): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

export function storageKey(type: { group: string; resource: string }): string {
  return `${type.group}/${type.resource}`;
}

export class ResourceRegistry {
  private readonly byKey = new Map<string, ResourceType>();
  private readonly byKind = new Map<string, ResourceType>();

  constructor(readonly types: readonly ResourceType[] = RESOURCE_TYPES) {
    for (const t of types) {
      this.byKey.set(`${t.group}/${t.version}/${t.resource}`, t);
      this.byKind.set(`${apiVersionOf(t)}/${t.kind}`, t);
    }
  }

  find(group: string, version: string, resource: string): ResourceType | undefined {
    return this.byKey.get(`${group}/${version}/${resource}`);
  }

  /** By apiVersion and kind, as written in a manifest. */
  forKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  require(group: string, resource: string): ResourceType {
    const found = this.types.find((t) => t.group === group && t.resource === resource);
    if (!found) throw new Error(`unknown resource ${resource}.${group}`);
    return found;
  }

  /** Group versions in the order discovery lists them: core first, then groups as registered. */
  groupVersions(): Array<{ group: string; version: string; resources: ResourceType[] }> {
    const out = new Map<string, { group: string; version: string; resources: ResourceType[] }>();
    for (const t of this.types) {
      const key = apiVersionOf(t);
      if (!out.has(key)) out.set(key, { group: t.group, version: t.version, resources: [] });
      out.get(key)!.resources.push(t);
    }
    return [...out.values()];
  }
}
