import YAML from 'yaml';

// What an admin applies on a managed cluster to run its agent. The same documents, with
// placeholders, are the kustomize base in k8s/managed-cluster/agent/ (agent-manifest.spec.ts keeps the
// two identical, RBAC comments included). Names are persistent state on clusters: never rename.

export const AGENT_NAMESPACE = 'portcullis-system';
export const AGENT_NAME = 'portcullis-agent';
export const AGENT_BOOTSTRAP_SECRET = 'portcullis-agent-bootstrap';
export const AGENT_IDENTITY_SECRET = 'portcullis-agent-identity';
export const AGENT_HTTP_PORT = 3007;

const BOOTSTRAP_MOUNT = '/etc/portcullis/bootstrap';
const TOKEN_KEY = 'bootstrap-token';
const TUNNEL_CA_KEY = 'tunnel-ca.crt';
// The uid of the `node` user in the service image (docker/service.Dockerfile); numeric, so that
// runAsNonRoot can be verified by the kubelet.
const AGENT_UID = 1000;

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const BUILT_IN_ROLES = ['admin', 'cluster-admin', 'edit', 'view'];

export interface AgentManifestInput {
  clusterName: string;
  tunnelUrl: string;
  /** PEM the agent verifies the tunnel endpoint with; null: the public roots of its image. */
  tunnelCaPem: string | null;
  bootstrapToken: string;
  image: string;
  /** When the bootstrap token stops working; only for the header comment. */
  bootstrapTokenExpiresAt?: Date;
}

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

/** A rule and why the agent needs it: the reason is written above the rule in the YAML. */
interface ExplainedRule {
  why: string;
  rule: PolicyRule;
}

/**
 * Exactly what sa-provisioner does on a cluster (apps/sa-provisioner/src/clusters/cluster-api.ts),
 * which in agent mode the agent does with its own ServiceAccount. Nothing is granted on `*`.
 */
export const AGENT_CLUSTER_RULES: readonly ExplainedRule[] = [
  {
    why:
      'Reads the JIT namespace before creating ServiceAccounts in it. This manifest creates\n' +
      'portcullis-system itself, and RoleBindings only go into namespaces that exist, so the\n' +
      'agent never creates a namespace.',
    rule: { apiGroups: [''], resources: ['namespaces'], resourceNames: [AGENT_NAMESPACE], verbs: ['get'] },
  },
  {
    why:
      'Custom roles become ClusterRoles named portcullis-role-<role>, created on first grant and\n' +
      'rewritten when their rules change. Kubernetes cannot narrow create by name, nor get and\n' +
      'update by a name prefix. Portcullis never lists or deletes ClusterRoles.',
    rule: { apiGroups: [RBAC_GROUP], resources: ['clusterroles'], verbs: ['create', 'get', 'update'] },
  },
  {
    why:
      'A custom role may hold rules the agent itself does not; writing such a ClusterRole needs\n' +
      'escalate. Kubernetes checks escalate against the request\'s object name, which is empty on\n' +
      'create, so resourceNames cannot narrow it.',
    rule: { apiGroups: [RBAC_GROUP], resources: ['clusterroles'], verbs: ['escalate'] },
  },
  {
    why:
      `Grants bind the built-in ClusterRoles (${BUILT_IN_ROLES.join(', ')}) and the custom\n` +
      'ones, whose names are open-ended (portcullis-role-<role>). resourceNames match exact names\n' +
      'only, so a list would break every custom role created after this manifest was applied; and\n' +
      'it would narrow nothing real: binding cluster-admin, which Portcullis must be able to grant,\n' +
      'is already everything. Protect this ServiceAccount like a cluster-admin credential.',
    rule: { apiGroups: [RBAC_GROUP], resources: ['clusterroles'], verbs: ['bind'] },
  },
  {
    why:
      "A grant on the whole cluster becomes a ClusterRoleBinding of the person's JIT ServiceAccount\n" +
      "(pc-<user hash>-<role>); the agent lists them by Portcullis' labels to converge and to\n" +
      'collect orphans. The names are per person, so resourceNames cannot narrow them.',
    rule: { apiGroups: [RBAC_GROUP], resources: ['clusterrolebindings'], verbs: ['create', 'delete', 'list'] },
  },
  {
    why:
      'A grant limited to namespaces becomes a RoleBinding in each of them: any namespace an admin\n' +
      'names, listed across all namespaces to converge. Hence cluster-wide, through this ClusterRole.',
    rule: { apiGroups: [RBAC_GROUP], resources: ['rolebindings'], verbs: ['create', 'delete', 'list'] },
  },
];

/** In portcullis-system only, through a Role. */
export const AGENT_NAMESPACE_RULES: readonly ExplainedRule[] = [
  {
    why:
      "People's JIT ServiceAccounts live in this namespace (sa-provisioner's JIT_NAMESPACE, which\n" +
      'must be portcullis-system for agent-mode clusters): created on first use, listed to\n' +
      'reconcile, deleted when idle or revoked.',
    rule: { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['create', 'delete', 'list'] },
  },
  {
    why: 'Short-lived tokens of those ServiceAccounts (TokenRequest), with which the proxy forwards\nthe people\'s requests.',
    rule: { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
  },
  {
    why:
      "The agent keeps its private key and certificate in this Secret, so a restarted pod keeps\n" +
      'its identity without a new bootstrap token; read at start, rewritten on renewal.',
    rule: { apiGroups: [''], resources: ['secrets'], resourceNames: [AGENT_IDENTITY_SECRET], verbs: ['get', 'update'] },
  },
  {
    why:
      'The first enrollment creates that Secret. Kubernetes cannot narrow create by name: this\n' +
      'lets the agent add Secrets in portcullis-system, never read or change other ones.',
    rule: { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  },
];

const labels = { 'app.kubernetes.io/name': AGENT_NAME, 'app.kubernetes.io/part-of': 'portcullis' };
const metadata = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace: AGENT_NAMESPACE } : {}), labels });

function namespace() {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: metadata(AGENT_NAMESPACE, false) };
}

function serviceAccount() {
  // The agent talks to its API server with this account's own token, so it is mounted.
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(AGENT_NAME), automountServiceAccountToken: true };
}

function clusterRole() {
  return { apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRole', metadata: metadata(AGENT_NAME, false), rules: AGENT_CLUSTER_RULES.map((r) => r.rule) };
}

function role() {
  return { apiVersion: `${RBAC_GROUP}/v1`, kind: 'Role', metadata: metadata(AGENT_NAME), rules: AGENT_NAMESPACE_RULES.map((r) => r.rule) };
}

function binding(kind: 'ClusterRoleBinding' | 'RoleBinding') {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind,
    metadata: metadata(AGENT_NAME, kind === 'RoleBinding'),
    roleRef: { apiGroup: RBAC_GROUP, kind: kind === 'RoleBinding' ? 'Role' : 'ClusterRole', name: AGENT_NAME },
    subjects: [{ kind: 'ServiceAccount', name: AGENT_NAME, namespace: AGENT_NAMESPACE }],
  };
}

function bootstrapSecret(input: AgentManifestInput) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata(AGENT_BOOTSTRAP_SECRET),
    type: 'Opaque',
    stringData: { [TOKEN_KEY]: input.bootstrapToken, ...(input.tunnelCaPem ? { [TUNNEL_CA_KEY]: input.tunnelCaPem } : {}) },
  };
}

function deployment(input: AgentManifestInput) {
  const env = [
    { name: 'AGENT_CLUSTER_NAME', value: input.clusterName },
    { name: 'AGENT_TUNNEL_URL', value: input.tunnelUrl },
    ...(input.tunnelCaPem ? [{ name: 'AGENT_TUNNEL_CA_FILE', value: `${BOOTSTRAP_MOUNT}/${TUNNEL_CA_KEY}` }] : []),
    { name: 'AGENT_BOOTSTRAP_TOKEN_FILE', value: `${BOOTSTRAP_MOUNT}/${TOKEN_KEY}` },
    { name: 'AGENT_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'AGENT_IDENTITY_SECRET', value: AGENT_IDENTITY_SECRET },
    { name: 'HTTP_HOST', value: '0.0.0.0' },
    { name: 'HTTP_PORT', value: String(AGENT_HTTP_PORT) },
  ];
  const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({ httpGet: { path, port: 'http' }, periodSeconds, failureThreshold });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(AGENT_NAME),
    spec: {
      // One agent per cluster; Recreate, so that an old and a new pod never race for one identity.
      replicas: 1,
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { 'app.kubernetes.io/name': AGENT_NAME } },
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: AGENT_NAME,
          automountServiceAccountToken: true,
          securityContext: { runAsNonRoot: true, runAsUser: AGENT_UID, runAsGroup: AGENT_UID, fsGroup: AGENT_UID, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'agent',
              image: input.image,
              imagePullPolicy: 'IfNotPresent',
              ports: [{ name: 'http', containerPort: AGENT_HTTP_PORT }],
              env,
              livenessProbe: probe('/healthz', 10, 3),
              readinessProbe: probe('/readyz', 5, 2),
              resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '256Mi' } },
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              volumeMounts: [
                { name: 'bootstrap', mountPath: BOOTSTRAP_MOUNT, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          // 288 = 0440: readable by the agent's group (fsGroup), by nobody else.
          volumes: [
            { name: 'bootstrap', secret: { secretName: AGENT_BOOTSTRAP_SECRET, defaultMode: 288 } },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
}

/** The tunnel endpoint's port, which the agent's only outbound rule beyond its API server allows. */
function tunnelPort(tunnelUrl: string): number {
  const url = new URL(tunnelUrl);
  return url.port ? Number(url.port) : 443;
}

function networkPolicy(input: AgentManifestInput) {
  const tcp = (port: number) => ({ protocol: 'TCP', port });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(AGENT_NAME),
    spec: {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': AGENT_NAME } },
      policyTypes: ['Ingress', 'Egress'],
      // No ingress rule: nothing may connect to the agent (the kubelet's probes always may).
      ingress: [],
      egress: [
        { ports: [{ protocol: 'UDP', port: 53 }, tcp(53)] },
        // Its API server, as the kubernetes Service's endpoints expose it.
        { ports: [tcp(443), tcp(6443)] },
        // The tunnel endpoint.
        { ports: [tcp(tunnelPort(input.tunnelUrl))] },
      ],
    },
  };
}

// Plain documents: no anchors and aliases where two fields share one object (the labels).
function plain(document: object): YAML.Document {
  return new YAML.Document(document, { aliasDuplicateObjects: false });
}

function explained(document: object, rules: readonly ExplainedRule[]): YAML.Document {
  const doc = plain(document);
  const items = (doc.get('rules', true) as YAML.YAMLSeq).items as YAML.Node[];
  rules.forEach(({ why }, index) => (items[index].commentBefore = why.split('\n').map((line) => ` ${line}`).join('\n')));
  return doc;
}

/** The documents, in the order they are applied. */
export function agentManifestDocuments(input: AgentManifestInput): YAML.Document[] {
  return [
    plain(namespace()),
    plain(serviceAccount()),
    explained(clusterRole(), AGENT_CLUSTER_RULES),
    plain(binding('ClusterRoleBinding')),
    explained(role(), AGENT_NAMESPACE_RULES),
    plain(binding('RoleBinding')),
    plain(bootstrapSecret(input)),
    plain(deployment(input)),
    plain(networkPolicy(input)),
  ];
}

/** Multi-document YAML for `kubectl apply -f -`. It carries the bootstrap token: show it once, never store or log it. */
export function renderAgentManifest(input: AgentManifestInput): string {
  const documents = agentManifestDocuments(input);
  const expiry = input.bootstrapTokenExpiresAt ? ` until ${input.bootstrapTokenExpiresAt.toISOString()}` : '';
  documents[0].commentBefore = [
    ` Portcullis cluster agent for cluster "${input.clusterName}".`,
    ` Apply on that cluster: kubectl apply -f <this file>`,
    ` It holds a one-time bootstrap token, valid${expiry}: keep this file secret.`,
  ].join('\n');
  return documents.map((doc) => doc.toString({ lineWidth: 0 })).join('---\n');
}
