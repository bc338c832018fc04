/*
 * Trust model of the agent's access to its own cluster.
 * - Trusts: the API server named in the kubeconfig (in-cluster: kubernetes.default's address), only
 *   when its certificate chains to the kubeconfig's CA (in-cluster: the ServiceAccount's ca.crt),
 *   or to the public roots when the kubeconfig names none. It never skips verification;
 *   insecure-skip-tls-verify in a kubeconfig is ignored.
 * - Holds: its own ServiceAccount credential, in memory, re-read from the kubeconfig (in-cluster:
 *   the projected token file kubelet rotates). It is used for the agent's own calls (its identity
 *   Secret) and for streams the proxy marks `self`, never logged, never sent anywhere else.
 * - Never: presents its own credential on a person's request. Connections that carry people's JIT
 *   tokens carry no client certificate, because an API server authenticates a client certificate
 *   before a bearer token and the request would run as the agent.
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import type { RequestOptions } from 'node:https';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';

/** The API server as the agent reaches it; a path in the kubeconfig's server URL is kept as a prefix. */
export interface ApiServerEndpoint {
  url: string;
  origin: string;
  authority: string;
  hostname: string;
  port: number;
  basePath: string;
}

/** Whose credential a connection to the API server carries: nobody's (people's tokens travel per request) or the agent's. */
export type ConnectionCredential = 'person' | 'self';

export interface ApiServerConnection {
  /** Changes when the TLS material does, so a pool stops using connections made with the old one. */
  poolKey: string;
  tls: ConnectionOptions;
}

interface CredentialMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  authorization?: string;
}

// kubelet refreshes a projected token at 80% of its lifetime (an hour by default) and the old
// one stays valid until it expires; client-node re-reads the token file at most once a minute.
const REFRESH_INTERVAL_MS = 30_000;

function digest(...parts: Array<Buffer | string | undefined>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part ?? '').update('\0');
  return hash.digest('hex').slice(0, 16);
}

function asBuffer(value: unknown): Buffer | undefined {
  if (value === undefined || value === null) return undefined;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value);
  return undefined;
}

/**
 * The agent's view of its cluster: the API server endpoint and the agent's own credential from a
 * KubeConfig (a file, or the in-cluster configuration), refreshed periodically.
 */
export class ClusterAccess {
  private material: CredentialMaterial = {};
  private refreshTimer?: NodeJS.Timeout;

  private constructor(
    readonly kubeConfig: KubeConfig,
    readonly apiServer: ApiServerEndpoint,
  ) {}

  /** `kubeconfigPath` absent: the in-cluster configuration (the pod's ServiceAccount). */
  static async load(kubeconfigPath: string | undefined): Promise<ClusterAccess> {
    const kubeConfig = new KubeConfig();
    if (kubeconfigPath) kubeConfig.loadFromFile(kubeconfigPath);
    else kubeConfig.loadFromCluster();
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error(`the kubeconfig${kubeconfigPath ? ` ${kubeconfigPath}` : ''} has no current cluster`);
    const url = new URL(cluster.server);
    if (url.protocol !== 'https:') throw new Error(`the API server ${cluster.server} is not https: the agent only talks to it over verified TLS`);
    const access = new ClusterAccess(kubeConfig, {
      url: cluster.server.replace(/\/+$/, ''),
      origin: url.origin,
      authority: url.host,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 443),
      basePath: url.pathname.replace(/\/+$/, ''),
    });
    await access.refresh();
    return access;
  }

  /** Re-reads the credential (and the CA) through client-node, which re-reads files as they rotate. */
  async refresh(): Promise<void> {
    const options: RequestOptions = { headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(options);
    const headers = (options.headers ?? {}) as Record<string, unknown>;
    const authorization = headers['Authorization'] ?? headers['authorization'];
    this.material = {
      ca: asBuffer(options.ca),
      cert: asBuffer(options.cert),
      key: asBuffer(options.key),
      servername: options.servername ?? undefined,
      authorization: typeof authorization === 'string' ? authorization : undefined,
    };
  }

  start(): void {
    this.refreshTimer ??= setInterval(() => void this.refresh().catch(() => undefined), REFRESH_INTERVAL_MS).unref();
  }

  stop(): void {
    clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  /** The agent's own Authorization value (`Bearer …`), if its kubeconfig authenticates with a token. */
  get selfAuthorization(): string | undefined {
    return this.material.authorization;
  }

  /** TLS options for a connection to the API server; only `self` connections carry the agent's client certificate. */
  connection(credential: ConnectionCredential): ApiServerConnection {
    const { ca, cert, key } = this.material;
    const servername = this.material.servername ?? (isIP(this.apiServer.hostname) ? undefined : this.apiServer.hostname);
    const base: ConnectionOptions = { host: this.apiServer.hostname, port: this.apiServer.port, ca, servername };
    if (credential === 'self' && cert && key) {
      return { poolKey: `self:${digest(ca, servername, cert, key)}`, tls: { ...base, cert, key } };
    }
    return { poolKey: `person:${digest(ca, servername)}`, tls: base };
  }

  /** A typed client for the agent's own calls, authenticated as the agent. */
  coreApi(): CoreV1Api {
    return this.kubeConfig.makeApiClient(CoreV1Api);
  }
}
