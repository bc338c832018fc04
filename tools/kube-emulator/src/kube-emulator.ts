import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createSecureServer, type Http2SecureServer, type Http2Session } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { AccessLog, type AccessLogEntry } from './access-log';
import type { KubeObject, UserInfo } from './api/kube-object';
import { RequestInfoParser } from './api/request-info-parser';
import { ResourceRegistry, storageKey, type ResourceType } from './api/resource-registry';
import { StatusError } from './api/status-error';
import { Authenticator } from './auth/authenticator';
import { Impersonator } from './auth/impersonator';
import { ServiceAccountTokenIssuer } from './auth/service-account-token-issuer';
import { Clock } from './clock';
import { NamespaceController } from './controllers/namespace-controller';
import { AccessControl } from './http/access-control';
import { ApiServer } from './http/api-server';
import { DiscoveryDocuments } from './http/discovery-documents';
import { NonResourceHandler } from './http/non-resource-handler';
import { OpenApiDocuments } from './http/openapi-documents';
import { PodLogHandler } from './http/pod-log-handler';
import { PodUpgradeHandler } from './http/pod-upgrade-handler';
import type { ApiRequest, ApiResponse } from './http/request-context';
import { ResourceHandler } from './http/resource-handler';
import { ReviewHandler } from './http/review-handler';
import { TokenRequestHandler } from './http/token-request-handler';
import { kubeconfigYaml, type KubeconfigCredentials } from './kubeconfig';
import { PodLogStore } from './logs/pod-log-store';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './rbac/bootstrap-policy';
import { ClusterRoleAggregator } from './rbac/cluster-role-aggregator';
import { EscalationGuard } from './rbac/escalation-guard';
import { RbacAuthorizer } from './rbac/rbac-authorizer';
import { loadSeedText, parseManifests, parseSeed } from './seed/seed-document';
import { ObjectStore } from './store/object-store';
import { ResourceStorage } from './store/resource-storage';
import { AddressAllocator } from './strategies/address-allocator';
import { closeAllPodStreams, closePodStreams } from './streaming';
import { TableConverter } from './table/table-converter';
import { CertificateAuthority, type CertificateAndKey } from './tls/certificate-authority';
import type { WatchStream } from './watch/watch-stream';
import { WatchHub } from './watch/watch-hub';

export interface KubeEmulatorOptions {
  /** 0 (default): any free port. */
  port?: number;
  /** A YAML file path, or YAML text (anything with a newline). See README for the format. */
  seed?: string;
  /** How long a successful token authentication is cached (kube-apiserver: 10 s). 0 disables. */
  tokenAuthCacheMs?: number;
  /** Events kept for resuming watches; older resourceVersions answer 410 Expired. */
  watchHistorySize?: number;
  /** Interval of BOOKMARK events on watches that allow them (kube-apiserver: about a minute). */
  bookmarkIntervalMs?: number;
  /** HTTP/2 streams per connection the server allows (the project observed 100 on real API servers). */
  maxConcurrentStreams?: number;
  /** How long a deleted namespace stays Terminating before it and its content are removed. */
  namespaceFinalizeDelayMs?: number;
}

const ADMIN: UserInfo = { username: 'admin', groups: ['system:masters', 'system:authenticated'] };
const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * A Kubernetes API server stand-in for tests and the local demo: HTTPS on 127.0.0.1 with its own
 * CA, state in memory. What it emulates and what it leaves out: tools/kube-emulator/README.md.
 */
export class KubeEmulator {
  readonly clock = new Clock();
  readonly adminToken = randomBytes(24).toString('hex');
  readonly registry = new ResourceRegistry();
  readonly store: ObjectStore;
  private readonly storage: ResourceStorage;
  private readonly logs: PodLogStore;
  private readonly log = new AccessLog();
  private readonly staticTokens = new Map<string, UserInfo>();
  private readonly issuer: ServiceAccountTokenIssuer;
  private readonly namespaces: NamespaceController;
  private readonly watches = new Set<WatchStream>();
  private readonly follows = new Set<() => void>();
  private readonly sockets = new Set<Duplex>();
  private readonly sessions = new Set<Http2Session>();
  private server?: Http2SecureServer;
  private port = 0;

  private constructor(
    private readonly ca: CertificateAuthority,
    private readonly options: KubeEmulatorOptions,
  ) {
    this.store = new ObjectStore(new WatchHub(options.watchHistorySize ?? 1000));
    const addresses = new AddressAllocator();
    this.storage = new ResourceStorage(this.store, {
      clock: this.clock,
      allocateClusterIP: () => addresses.clusterIP(),
      allocatePodIP: () => addresses.podIP(),
      allocateNodePort: () => addresses.nodePort(),
    });
    this.issuer = new ServiceAccountTokenIssuer(this.clock);
    this.logs = new PodLogStore(this.store, this.clock);
    this.namespaces = new NamespaceController(this.store, this.storage, this.registry, ca.certPem, options.namespaceFinalizeDelayMs ?? 500);
    this.staticTokens.set(this.adminToken, ADMIN);
  }

  static async start(options: KubeEmulatorOptions = {}): Promise<KubeEmulator> {
    const ca = await CertificateAuthority.create();
    const emulator = new KubeEmulator(ca, options);
    emulator.bootstrap();
    if (options.seed) emulator.loadSeed(loadSeedText(options.seed));
    await emulator.listen(await ca.issueServingCertificate(['127.0.0.1'], ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc']));
    return emulator;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get caPem(): string {
    return this.ca.certPem;
  }

  get accessLog(): AccessLogEntry[] {
    return this.log.entries;
  }

  /** A kubeconfig for the admin (static token), or for other credentials. */
  kubeConfigYaml(credentials: KubeconfigCredentials = { name: 'admin', token: this.adminToken }): string {
    return kubeconfigYaml(this.url, this.caPem, credentials);
  }

  writeKubeconfig(file: string, credentials?: KubeconfigCredentials): string {
    writeFileSync(file, this.kubeConfigYaml(credentials), { mode: 0o600 });
    return file;
  }

  /** A client certificate the emulator accepts: CN = user, O = groups. */
  issueClientCert(user: string, groups: string[] = []): Promise<CertificateAndKey> {
    return this.ca.issueClientCertificate(user, groups);
  }

  /** Appends a log line (or several, newline-separated) to a container; the first container when omitted. */
  appendPodLog(namespace: string, pod: string, container: string | undefined, line: string): void {
    const stored = this.store.get('/pods', namespace, pod);
    if (!stored) throw new Error(`pods "${pod}" not found in namespace "${namespace}"`);
    const containers = ((stored.object.spec as { containers?: Array<{ name: string }> }).containers ?? []).map((c) => c.name);
    const target = container ?? containers[0];
    if (!containers.includes(target)) throw new Error(`container ${target} is not valid for pod ${pod}`);
    this.logs.append(namespace, pod, target, line);
  }

  /** Creates or replaces objects as the cluster itself would (no authorization): YAML text or objects. */
  apply(manifests: string | KubeObject | KubeObject[]): KubeObject[] {
    const objects = typeof manifests === 'string' ? parseManifests(manifests) : Array.isArray(manifests) ? manifests : [manifests];
    return objects.map((obj) => {
      const type = this.typeOf(obj.apiVersion ?? '', obj.kind ?? '');
      const namespace = type.namespaced ? (obj.metadata?.namespace ?? 'default') : '';
      const name = obj.metadata?.name ?? '';
      const body = structuredClone(obj);
      if (name && this.store.get(storageKey(type), type.namespaced ? namespace : undefined, name)) {
        if (body.metadata) delete body.metadata.resourceVersion;
        return structuredClone(this.storage.update(type, namespace, name, body, '').object.object);
      }
      return structuredClone(this.storage.create(type, namespace, body).object);
    });
  }

  /** The current object, or undefined. */
  get(apiVersion: string, kind: string, name: string, namespace?: string): KubeObject | undefined {
    const type = this.typeOf(apiVersion, kind);
    const stored = this.store.get(storageKey(type), type.namespaced ? (namespace ?? 'default') : undefined, name);
    return stored && structuredClone(stored.object);
  }

  /** Deletes an object (a namespace is removed with its content shortly after). */
  delete(apiVersion: string, kind: string, name: string, namespace?: string): void {
    const type = this.typeOf(apiVersion, kind);
    this.storage.delete(type, type.namespaced ? (namespace ?? 'default') : '', name, {});
  }

  /** A TokenRequest token for a ServiceAccount, minted directly (tests that need one without RBAC). */
  async serviceAccountToken(namespace: string, name: string, options: { expirationSeconds?: number; audiences?: string[] } = {}): Promise<string> {
    const sa = this.store.get('/serviceaccounts', namespace, name);
    if (!sa) throw StatusError.notFound({ group: '', resource: 'serviceaccounts' }, name);
    const { token } = await this.issuer.issue({
      namespace,
      name,
      uid: sa.object.metadata.uid!,
      audiences: options.audiences ?? [this.issuer.issuer],
      expirationSeconds: options.expirationSeconds ?? 3600,
    });
    return token;
  }

  /** Closes every connection, open watch, log follow and upgraded stream, then the listener. */
  async stop(): Promise<void> {
    for (const watch of [...this.watches]) watch.close();
    for (const finish of [...this.follows]) finish();
    this.logs.endAll();
    closeAllPodStreams();
    this.namespaces.stop();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private typeOf(apiVersion: string, kind: string): ResourceType {
    const type = this.registry.forKind(apiVersion, kind);
    if (!type || !type.stored) throw new Error(`the emulator does not serve ${kind} in ${apiVersion}`);
    return type;
  }

  private bootstrap(): void {
    new ClusterRoleAggregator(this.store).attach();
    this.namespaces.attach();
    this.logs.attach();
    this.store.onChange((event) => {
      if (event.storageKey === '/pods' && event.type === 'DELETED') closePodStreams(event.object.namespace, event.object.name);
    });
    const rbac = (resource: string) => this.registry.require('rbac.authorization.k8s.io', resource);
    for (const role of bootstrapClusterRoles()) this.storage.create(rbac('clusterroles'), '', role);
    for (const binding of bootstrapClusterRoleBindings()) this.storage.create(rbac('clusterrolebindings'), '', binding);
    const namespaces = this.registry.require('', 'namespaces');
    for (const name of DEFAULT_NAMESPACES) this.storage.create(namespaces, '', { metadata: { name } });
    // Created first, so it gets the first cluster IP (10.96.0.1), as on a real cluster.
    this.storage.create(this.registry.require('', 'services'), 'default', {
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
    });
  }

  private loadSeed(text: string): void {
    const seed = parseSeed(text);
    for (const { token, user } of seed.staticTokens) this.staticTokens.set(token, user);
    this.apply(seed.objects);
    for (const log of seed.podLogs) for (const line of log.lines) this.appendPodLog(log.namespace, log.pod, log.container, line);
  }

  private async listen(serving: CertificateAndKey): Promise<void> {
    const parser = new RequestInfoParser();
    const authorizer = new RbacAuthorizer(this.store);
    const authenticator = new Authenticator(this.store, this.issuer, this.clock, this.staticTokens, this.options.tokenAuthCacheMs ?? 10_000);
    const access = new AccessControl(authenticator, new Impersonator(authorizer), authorizer);
    const api = new ApiServer(
      parser,
      this.registry,
      access,
      {
        resources: new ResourceHandler({
          store: this.store,
          storage: this.storage,
          hub: this.store.watchHub,
          tables: new TableConverter(this.clock),
          escalation: new EscalationGuard(authorizer),
          clock: this.clock,
          bookmarkIntervalMs: this.options.bookmarkIntervalMs ?? 60_000,
          watches: this.watches,
        }),
        reviews: new ReviewHandler(authorizer, authenticator, this.clock),
        tokens: new TokenRequestHandler(this.store, this.issuer, this.clock),
        logs: new PodLogHandler(this.store, this.logs, () => this.clock.now(), this.follows),
        nonResource: new NonResourceHandler(new DiscoveryDocuments(this.registry), new OpenApiDocuments(this.registry), () => `127.0.0.1:${this.port}`),
      },
      this.log,
      this.clock,
    );
    const upgrades = new PodUpgradeHandler(parser, access, this.store, this.log, this.clock);

    const server = createSecureServer({
      key: serving.keyPem,
      cert: serving.certPem,
      allowHTTP1: true,
      requestCert: true,
      rejectUnauthorized: false,
      ca: [this.caPem],
      settings: { maxConcurrentStreams: this.options.maxConcurrentStreams ?? 100 },
      // kube-apiserver (Go's HTTP/2 server) bounds a connection by flow control and the handlers
      // it runs, and answers a burst of cancelled streams without GOAWAY. nghttp2 adds limits it
      // does not have: a rapid-reset guard (1,000 RST_STREAM, then 33/s) and a 10 MB cap on a
      // session's memory, past which new streams are refused with ENHANCE_YOUR_CALM; either would
      // fail a connection a real API server keeps (a client ending 900 watches at once, say).
      streamResetBurst: 100_000,
      streamResetRate: 10_000,
      maxSessionMemory: 1_024,
    });
    server.on('request', api.handleRequest as unknown as (req: ApiRequest, res: ApiResponse) => void);
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void upgrades.handle(req, socket, head));
    server.on('secureConnection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('session', (session: Http2Session) => {
      this.sessions.add(session);
      session.on('close', () => this.sessions.delete(session));
    });
    // A client that drops mid-handshake is its own problem, not the server's.
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }
}
