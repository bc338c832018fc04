/*
 * Trust model of the provisioner's cluster client.
 * - Trusts: the cluster's API server, identified by the CA bundle registered in policy (or the
 *   system's roots when none is registered); the server URL and credential policy hands out.
 * - Verifies: the server's certificate on every connection (never skips TLS verification).
 * - Holds: one cluster's management credential, in memory, for as long as ClusterConnections
 *   keeps this client (CLUSTER_CREDENTIAL_CACHE_SECONDS). It is never logged, never written
 *   anywhere, and never appears in an error message.
 * - Hands out: only TokenRequest tokens of JIT ServiceAccounts, which the API server bounds in
 *   time and invalidates when the ServiceAccount is deleted.
 */
import {
  ApiException,
  CoreV1Api,
  createConfiguration,
  KubeConfig,
  Middleware,
  RbacAuthorizationV1Api,
  RequestContext,
  ServerConfiguration,
  V1ClusterRoleBinding,
  V1PolicyRule,
  V1RoleBinding,
} from '@kubernetes/client-node';
import { ClusterEndpoint, PolicyClusterCredentialResponseV1, PolicyRule } from '@portcullis/contracts';
import { ProvisionerErrorCode, ProvisionerException } from '../errors/provisioner.exception';

export type ClusterCredential = PolicyClusterCredentialResponseV1['credential'];

export interface ManagedServiceAccount {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  createdAt: Date | null;
}

/** A (Cluster)RoleBinding of one ServiceAccount to one ClusterRole; `namespace` null: cluster-wide. */
export interface BindingSpec {
  namespace: string | null;
  name: string;
  clusterRole: string;
  labels: Record<string, string>;
  subject: { namespace: string; name: string };
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function toBase64(pem: string): string {
  return Buffer.from(pem, 'utf8').toString('base64');
}

function kubeConfigFor(cluster: ClusterEndpoint, credential: ClusterCredential): KubeConfig {
  const kc = new KubeConfig();
  const user =
    'token' in credential
      ? { name: 'portcullis-manager', token: credential.token }
      : { name: 'portcullis-manager', certData: toBase64(credential.clientCertificate), keyData: toBase64(credential.clientKey) };
  kc.loadFromOptions({
    clusters: [{ name: cluster.name, server: cluster.server, caData: cluster.caBundle ? toBase64(cluster.caBundle) : undefined, skipTLSVerify: false }],
    users: [user],
    contexts: [{ name: cluster.name, cluster: cluster.name, user: user.name }],
    currentContext: cluster.name,
  });
  return kc;
}

function sameRules(current: V1PolicyRule[] | undefined, wanted: PolicyRule[]): boolean {
  const normalise = (rules: Array<V1PolicyRule | PolicyRule>) =>
    JSON.stringify(
      rules.map((rule) => ({
        apiGroups: rule.apiGroups ?? [],
        resources: rule.resources ?? [],
        resourceNames: rule.resourceNames ?? [],
        nonResourceURLs: rule.nonResourceURLs ?? [],
        verbs: rule.verbs ?? [],
      })),
    );
  return normalise(current ?? []) === normalise(wanted);
}

/**
 * The handful of Kubernetes calls the provisioner makes on one cluster, through
 * @kubernetes/client-node with the management credential. Every call is bounded by a timeout
 * (connecting included); a cluster that does not answer becomes CLUSTER_UNREACHABLE naming it,
 * one that refuses becomes CLUSTER_FAILED with the API server's own message.
 */
export class ClusterApi {
  private readonly core: CoreV1Api;
  private readonly rbac: RbacAuthorizationV1Api;
  // client-node 2 builds a new undici Agent for every call; keeping the first one pools
  // connections (one TLS handshake per cluster instead of one per call).
  private dispatcher?: Dispatcher;
  // Namespaces known to exist, for the life of this client (a minute or so).
  private readonly namespaces = new Set<string>();

  constructor(
    readonly cluster: ClusterEndpoint,
    credential: ClusterCredential,
    private readonly timeoutMs: number,
  ) {
    const middleware: Middleware = {
      pre: async (context) => {
        context.setSignal(AbortSignal.timeout(this.timeoutMs));
        if (this.dispatcher) context.setDispatcher(this.dispatcher);
        else this.dispatcher = context.getDispatcher();
        return context;
      },
      post: async (context) => context,
    };
    const configuration = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kubeConfigFor(cluster, credential) },
      promiseMiddleware: [middleware],
    });
    this.core = new CoreV1Api(configuration);
    this.rbac = new RbacAuthorizationV1Api(configuration);
  }

  /** Read first: a management credential may read but not create namespaces when the namespace is pre-created. */
  async ensureNamespace(name: string): Promise<void> {
    if (this.namespaces.has(name)) return;
    const found = await this.call(`read namespace ${name}`, () => this.core.readNamespace({ name }), { 404: null });
    if (!found) await this.call(`create namespace ${name}`, () => this.core.createNamespace({ body: { metadata: { name } } }), { 409: null });
    this.namespaces.add(name);
  }

  async ensureServiceAccount(namespace: string, name: string, labels: Record<string, string>, annotations: Record<string, string>): Promise<void> {
    await this.call(
      `create serviceaccount ${namespace}/${name}`,
      () => this.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name, namespace, labels, annotations } } }),
      { 409: null },
    );
  }

  async deleteServiceAccount(namespace: string, name: string): Promise<void> {
    await this.call(`delete serviceaccount ${namespace}/${name}`, () => this.core.deleteNamespacedServiceAccount({ name, namespace }), { 404: null });
  }

  async listServiceAccounts(namespace: string, labelSelector: string): Promise<ManagedServiceAccount[]> {
    const list = await this.call(`list serviceaccounts in ${namespace}`, () => this.core.listNamespacedServiceAccount({ namespace, labelSelector }));
    return list.items.map((sa) => ({
      name: sa.metadata?.name ?? '',
      labels: sa.metadata?.labels ?? {},
      annotations: sa.metadata?.annotations ?? {},
      createdAt: sa.metadata?.creationTimestamp ? new Date(sa.metadata.creationTimestamp) : null,
    }));
  }

  async requestToken(namespace: string, name: string, expirationSeconds: number): Promise<IssuedToken> {
    const response = await this.call(`request a token for serviceaccount ${namespace}/${name}`, () =>
      this.core.createNamespacedServiceAccountToken({
        name,
        namespace,
        // No audiences: the API server's own, so the token works against this API server.
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds } },
      }),
    );
    const token = response.status?.token;
    const expiresAt = response.status?.expirationTimestamp;
    if (!token || !expiresAt) {
      throw new ProvisionerException(ProvisionerErrorCode.ClusterFailed, `cluster ${this.cluster.name} answered the TokenRequest without a token`);
    }
    return { token, expiresAt: new Date(expiresAt) };
  }

  /**
   * Creates the ClusterRole, or replaces its rules when they differ from `rules`. Custom roles
   * are shared by everyone granted them, so another call may write it meanwhile (409): then it
   * is read again and compared.
   */
  async applyClusterRole(name: string, rules: PolicyRule[], labels: Record<string, string>): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await this.call(`read clusterrole ${name}`, () => this.rbac.readClusterRole({ name }), { 404: null });
      if (current && sameRules(current.rules, rules)) return;
      const written = current
        ? await this.call(
            `update clusterrole ${name}`,
            () => this.rbac.replaceClusterRole({ name, body: { metadata: { name, labels, resourceVersion: current.metadata?.resourceVersion }, rules } }),
            { 409: null },
          )
        : await this.call(`create clusterrole ${name}`, () => this.rbac.createClusterRole({ body: { metadata: { name, labels }, rules } }), { 409: null });
      if (written) return;
    }
    throw new ProvisionerException(ProvisionerErrorCode.ClusterFailed, `cluster ${this.cluster.name}: clusterrole ${name} keeps changing under us`);
  }

  async deleteClusterRole(name: string): Promise<void> {
    await this.call(`delete clusterrole ${name}`, () => this.rbac.deleteClusterRole({ name }), { 404: null });
  }

  /** ClusterRoleBindings and RoleBindings (in every namespace) that match `labelSelector`. */
  async listBindings(labelSelector: string): Promise<BindingSpec[]> {
    const [clusterWide, namespaced] = await Promise.all([
      this.call('list clusterrolebindings', () => this.rbac.listClusterRoleBinding({ labelSelector })),
      this.call('list rolebindings', () => this.rbac.listRoleBindingForAllNamespaces({ labelSelector })),
    ]);
    return [
      ...clusterWide.items.map((binding) => toBindingSpec(null, binding)),
      ...namespaced.items.map((binding) => toBindingSpec(binding.metadata?.namespace ?? '', binding)),
    ];
  }

  /** 'namespace-missing' when a RoleBinding's namespace does not exist (nothing to bind in). */
  async createBinding(binding: BindingSpec): Promise<'created' | 'exists' | 'namespace-missing'> {
    const body = {
      metadata: { name: binding.name, labels: binding.labels, ...(binding.namespace ? { namespace: binding.namespace } : {}) },
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: binding.clusterRole },
      subjects: [{ kind: 'ServiceAccount', name: binding.subject.name, namespace: binding.subject.namespace }],
    };
    const namespace = binding.namespace;
    if (namespace === null) {
      return this.call(
        `create clusterrolebinding ${binding.name}`,
        async () => (await this.rbac.createClusterRoleBinding({ body }), 'created' as const),
        { 409: 'exists' as const },
      );
    }
    return this.call(
      `create rolebinding ${namespace}/${binding.name}`,
      async () => (await this.rbac.createNamespacedRoleBinding({ namespace, body }), 'created' as const),
      { 409: 'exists' as const, 404: 'namespace-missing' as const },
    );
  }

  async deleteBinding(binding: Pick<BindingSpec, 'namespace' | 'name'>): Promise<void> {
    const { namespace, name } = binding;
    if (namespace === null) {
      await this.call(`delete clusterrolebinding ${name}`, () => this.rbac.deleteClusterRoleBinding({ name }), { 404: null });
    } else {
      await this.call(`delete rolebinding ${namespace}/${name}`, () => this.rbac.deleteNamespacedRoleBinding({ name, namespace }), { 404: null });
    }
  }

  /** Lets calls in flight finish (each is bounded by the timeout), then closes the connections. */
  async close(): Promise<void> {
    const dispatcher = this.dispatcher;
    if (!dispatcher) return;
    let timer: NodeJS.Timeout | undefined;
    const bounded = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.timeoutMs)));
    await Promise.race([dispatcher.close(), bounded]);
    clearTimeout(timer);
    // A connection attempt that never completes would keep close() waiting forever.
    await dispatcher.destroy();
  }

  /**
   * Runs one API call. `outcomes` turns a 404 or 409 into a value (the state the caller
   * wanted, or one it handles); anything else becomes a coded error.
   */
  private async call<T, F = never>(what: string, run: () => Promise<T>, outcomes: { 404?: F; 409?: F } = {}): Promise<T | F> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof ApiException) {
        if ((error.code === 404 || error.code === 409) && error.code in outcomes) return outcomes[error.code] as F;
        throw new ProvisionerException(
          ProvisionerErrorCode.ClusterFailed,
          `cluster ${this.cluster.name} refused to ${what}: HTTP ${error.code}${error.code === 401 ? ' (the management credential was rejected)' : statusMessage(error.body)}`,
        );
      }
      throw new ProvisionerException(
        ProvisionerErrorCode.ClusterUnreachable,
        `cluster ${this.cluster.name} (${this.cluster.server}) is unreachable: ${networkReason(error, this.timeoutMs)}`,
      );
    }
  }
}

function toBindingSpec(namespace: string | null, binding: V1ClusterRoleBinding | V1RoleBinding): BindingSpec {
  return {
    namespace,
    name: binding.metadata?.name ?? '',
    clusterRole: binding.roleRef.kind === 'ClusterRole' ? binding.roleRef.name : '',
    labels: binding.metadata?.labels ?? {},
    subject: { namespace: binding.subjects?.[0]?.namespace ?? '', name: binding.subjects?.[0]?.name ?? '' },
  };
}

/** The API server's Status message, when the body carries one. */
function statusMessage(body: unknown): string {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return body ? ` (${body.slice(0, 300)})` : '';
    }
  }
  const message = typeof value === 'object' && value !== null ? (value as { message?: unknown }).message : undefined;
  return typeof message === 'string' && message ? ` (${message.slice(0, 300)})` : '';
}

function networkReason(error: unknown, timeoutMs: number): string {
  // Duck-typed: errors from Node's internals (fetch, DOMException) may come from another realm.
  const { name, message, cause } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  for (const reason of [cause?.code, cause?.message, message]) {
    if (typeof reason === 'string' && reason) return reason;
  }
  return String(error);
}
