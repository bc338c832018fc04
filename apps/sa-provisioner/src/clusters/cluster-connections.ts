import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import fs from 'node:fs';
import { PolicyClusterCredentialV1, PolicyClusterLookupV2 } from '@portcullis/contracts';
import { RemoteRequestError, Requester } from '@portcullis/platform/messaging';
import { SERVICE_CONFIG } from '@portcullis/platform/service';
import { SaProvisionerConfig } from '../config/sa-provisioner.config';
import { ProvisionerErrorCode, ProvisionerException } from '../errors/provisioner.exception';
import { ClusterApi } from './cluster-api';

/** Policy's reply to a credential request for a cluster reached through its agent. */
const AGENT_MODE = 'AGENT_MODE';

interface Connection {
  api: ClusterApi;
  leases: number;
  evicted: boolean;
  timer: NodeJS.Timeout;
}

/**
 * A client per cluster, built from the management credential policy decrypts for us (direct
 * mode), or pointed at the proxy's relay (agent mode). The
 * credential lives only inside the client, which is dropped CLUSTER_CREDENTIAL_CACHE_SECONDS
 * after it was fetched (then policy is asked again), or at once when the cluster changes.
 */
@Injectable()
export class ClusterConnections implements OnModuleDestroy {
  private readonly connections = new Map<string, Connection>();
  private readonly opening = new Map<string, Promise<Connection>>();

  constructor(
    private readonly requester: Requester,
    @Inject(SERVICE_CONFIG) private readonly config: SaProvisionerConfig,
  ) {}

  /** Runs `work` with the cluster's client; the client stays open until every user is done. */
  async with<T>(cluster: string, work: (api: ClusterApi) => Promise<T>): Promise<T> {
    const connection = await this.connect(cluster);
    connection.leases++;
    try {
      return await work(connection.api);
    } finally {
      connection.leases--;
      if (connection.evicted && connection.leases === 0) await connection.api.close();
    }
  }

  /** The cluster changed (server, CA, credential) or went away: the next call fetches it anew. */
  async forget(cluster: string): Promise<void> {
    const connection = this.connections.get(cluster);
    if (connection) await this.evict(cluster, connection);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.connections].map(([cluster, connection]) => this.evict(cluster, connection)));
  }

  private async connect(cluster: string): Promise<Connection> {
    const cached = this.connections.get(cluster);
    if (cached) return cached;
    let pending = this.opening.get(cluster);
    if (!pending) {
      pending = this.open(cluster).finally(() => this.opening.delete(cluster));
      this.opening.set(cluster, pending);
    }
    return pending;
  }

  private async open(cluster: string): Promise<Connection> {
    let answer;
    try {
      answer = await this.requester.request(PolicyClusterCredentialV1, { name: cluster });
    } catch (error) {
      if (error instanceof RemoteRequestError && error.code === 'NOT_FOUND') {
        throw new ProvisionerException(ProvisionerErrorCode.ClusterNotFound, `no cluster named ${cluster} is registered`);
      }
      if (error instanceof RemoteRequestError && error.code === AGENT_MODE) return this.keep(cluster, await this.throughAgent(cluster));
      throw new ProvisionerException(
        ProvisionerErrorCode.PolicyUnavailable,
        `policy did not hand out the credential of cluster ${cluster}: ${(error as Error).message}`,
      );
    }
    return this.keep(cluster, new ClusterApi(answer.cluster, answer.credential, this.config.CLUSTER_REQUEST_TIMEOUT_MS));
  }

  /**
   * An agent-mode cluster: Portcullis stores no credential for it. Its calls go to the proxy's
   * relay, authenticated with this service's certificate, and its agent runs them with its own
   * least-privilege ServiceAccount.
   */
  private async throughAgent(cluster: string): Promise<ClusterApi> {
    const { PROXY_RELAY_URL, PROXY_RELAY_CA_FILE, SERVICE_CLIENT_CERT_FILE, SERVICE_CLIENT_KEY_FILE } = this.config;
    if (!PROXY_RELAY_URL || !PROXY_RELAY_CA_FILE || !SERVICE_CLIENT_CERT_FILE || !SERVICE_CLIENT_KEY_FILE) {
      throw new ProvisionerException(ProvisionerErrorCode.ClusterUnreachable, `cluster ${cluster} is in agent mode, and PROXY_RELAY_URL is not configured for the provisioner`);
    }
    let registered;
    try {
      registered = await this.requester.request(PolicyClusterLookupV2, { name: cluster });
    } catch (error) {
      throw new ProvisionerException(ProvisionerErrorCode.PolicyUnavailable, `policy did not describe cluster ${cluster}: ${(error as Error).message}`);
    }
    const [caBundle, clientCertificate, clientKey] = await Promise.all([PROXY_RELAY_CA_FILE, SERVICE_CLIENT_CERT_FILE, SERVICE_CLIENT_KEY_FILE].map((file) => fs.promises.readFile(file, 'utf8')));
    const { mode: _mode, agent: _agent, ...endpoint } = registered;
    const relayed = { ...endpoint, server: `${PROXY_RELAY_URL.replace(/\/+$/, '')}/clusters/${cluster}`, caBundle };
    return new ClusterApi(relayed, { clientCertificate, clientKey }, this.config.CLUSTER_REQUEST_TIMEOUT_MS);
  }

  private keep(cluster: string, api: ClusterApi): Connection {
    const connection: Connection = { api, leases: 0, evicted: false, timer: setTimeout(() => void this.evict(cluster, connection), this.config.CLUSTER_CREDENTIAL_CACHE_SECONDS * 1000) };
    connection.timer.unref();
    this.connections.set(cluster, connection);
    return connection;
  }

  private async evict(cluster: string, connection: Connection): Promise<void> {
    clearTimeout(connection.timer);
    if (this.connections.get(cluster) === connection) this.connections.delete(cluster);
    if (connection.evicted) return;
    connection.evicted = true;
    if (connection.leases === 0) await connection.api.close();
  }
}
