/*
 * Trust model of agent registration: an admin creates an agent-mode cluster and receives a
 * one-time bootstrap token, once; policy keeps only its SHA-256. Neither events, admin action
 * records nor log lines ever carry the token or the manifest that contains it. Re-registration
 * is the kill switch for a cluster's agent identity: every unused token and every certificate
 * of the cluster stops working in the same transaction.
 */
import { Injectable } from '@nestjs/common';
import { Subjects } from '@portcullis/contracts';
import { Outbox } from '@portcullis/platform/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AdminActionLog, AdminActor } from '../admin-actions/admin-action.log';
import { clusterChanged, clusterSnapshot } from '../clusters/cluster-events';
import { DEFAULT_IDLE_TIMEOUT_SECONDS, parseClusterName, parseDisplayName, parseIdleTimeout, parseLabels } from '../clusters/cluster-fields';
import { ClusterEntity } from '../clusters/cluster.entity';
import { ClusterErrorCode, ClusterException } from '../clusters/cluster.exception';
import { isUuid } from '../database/is-uuid';
import { isUniqueViolation } from '../errors/unique-violation';
import { AgentIdentities } from './agent-identities';
import { renderAgentManifest } from './agent-manifest';
import { AgentModeSettings, AgentSettings } from './agent-settings';
import { AgentErrorCode, AgentException } from './agent.exception';
import { BootstrapTokens } from './bootstrap-tokens';

/** The API server as an in-cluster agent reaches it; stored as the cluster's (informational) server. */
export const IN_CLUSTER_API_SERVER = 'https://kubernetes.default.svc';

export interface RegisterAgentClusterCommand {
  name: string;
  displayName?: string | null;
  labels?: Record<string, string> | null;
  idleTimeoutSeconds?: number | null;
}

export interface AgentRegistration {
  cluster: ClusterEntity;
  bootstrapToken: string;
  bootstrapTokenExpiresAt: Date;
  manifest: string;
}

@Injectable()
export class AgentRegistrationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly adminActions: AdminActionLog,
    private readonly settings: AgentSettings,
    private readonly tokens: BootstrapTokens,
    private readonly identities: AgentIdentities,
  ) {}

  /** No probe: the API server of an agent-mode cluster is unreachable from here by design. */
  async register(command: RegisterAgentClusterCommand, actor: AdminActor): Promise<AgentRegistration> {
    const agent = this.settings.require();
    const name = parseClusterName(command.name);
    const labels = parseLabels(command.labels ?? {});
    const idleTimeoutSeconds = parseIdleTimeout(command.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS);
    const displayName = parseDisplayName(command.displayName ?? name);

    const id = randomUUID();
    const cluster = Object.assign(new ClusterEntity(), {
      id,
      name,
      displayName,
      mode: 'agent',
      server: IN_CLUSTER_API_SERVER,
      caBundle: null,
      labels,
      idleTimeoutSeconds,
      credentialKind: null,
      credentialKeyId: null,
      credentialIv: null,
      credentialAuthTag: null,
      credentialCiphertext: null,
      credentialUpdatedAt: null,
    } satisfies Omit<ClusterEntity, 'createdAt' | 'updatedAt'>);
    try {
      return await this.outbox.transaction(async (manager, events) => {
        const saved = await manager.save(cluster);
        const token = await this.tokens.issue(manager, id, actor.userId, agent.bootstrapTokenTtlSeconds);
        await events.add(Subjects.policyClusterChanged, clusterChanged('created', id, saved, actor));
        await this.adminActions.succeeded(events, actor, 'registerAgentCluster', { kind: 'cluster', id }, null, {
          ...clusterSnapshot(saved),
          bootstrapTokenExpiresAt: token.expiresAt.toISOString(),
        });
        return registration(saved, token.token, token.expiresAt, agent);
      });
    } catch (error) {
      throw isUniqueViolation(error, 'clusters_name') ? new ClusterException(ClusterErrorCode.NameTaken, `a cluster named "${name}" already exists`) : error;
    }
  }

  /**
   * A new bootstrap token for the cluster; every earlier unused token and every agent
   * certificate stop working now, and the change is published so every proxy closes the
   * tunnels of the revoked identities.
   */
  async reregister(id: string, actor: AdminActor): Promise<AgentRegistration> {
    const agent = this.settings.require();
    return this.outbox.transaction(async (manager, events) => {
      const cluster = await lockCluster(manager, id);
      if (cluster.mode !== 'agent') {
        throw new AgentException(AgentErrorCode.NotAgentCluster, `cluster ${cluster.name} is in direct mode: it has no agent to re-register`);
      }
      const tokensRevoked = await this.tokens.revokeUnused(manager, id);
      const certificatesRevoked = await this.identities.revoke(manager, id);
      const token = await this.tokens.issue(manager, id, actor.userId, agent.bootstrapTokenTtlSeconds);
      await events.add(Subjects.policyClusterChanged, clusterChanged('updated', id, cluster, actor));
      await this.adminActions.succeeded(events, actor, 'reregisterClusterAgent', { kind: 'cluster', id }, clusterSnapshot(cluster), {
        ...clusterSnapshot(cluster),
        bootstrapTokenExpiresAt: token.expiresAt.toISOString(),
        bootstrapTokensRevoked: tokensRevoked,
        agentCertificatesRevoked: certificatesRevoked,
      });
      return registration(cluster, token.token, token.expiresAt, agent);
    });
  }
}

async function lockCluster(manager: EntityManager, id: string): Promise<ClusterEntity> {
  const cluster = isUuid(id) ? await manager.findOne(ClusterEntity, { where: { id }, lock: { mode: 'pessimistic_write' } }) : null;
  if (!cluster) throw new ClusterException(ClusterErrorCode.NotFound, `no cluster with id ${id}`);
  return cluster;
}

function registration(cluster: ClusterEntity, bootstrapToken: string, expiresAt: Date, agent: AgentModeSettings): AgentRegistration {
  const manifest = renderAgentManifest({
    clusterName: cluster.name,
    tunnelUrl: agent.tunnelUrl,
    tunnelCaPem: agent.tunnelCaPem,
    bootstrapToken,
    image: agent.image,
    bootstrapTokenExpiresAt: expiresAt,
  });
  return { cluster, bootstrapToken, bootstrapTokenExpiresAt: expiresAt, manifest };
}
