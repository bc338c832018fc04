import { Injectable } from '@nestjs/common';
import { Subjects } from '@portcullis/contracts';
import { Outbox } from '@portcullis/platform/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AdminActionLog, AdminActor } from '../admin-actions/admin-action.log';
import { isUuid } from '../database/is-uuid';
import { isUniqueViolation } from '../errors/unique-violation';
import { grantChanged } from '../grants/grant-events';
import { GrantEntity } from '../grants/grant.entity';
import { ApiServerProbe } from './api-server-probe';
import { parseCaBundle } from './ca-bundle';
import { ClusterCredential, ClusterCredentialInput, parseClusterCredential } from './cluster-credential';
import { clusterChanged, clusterSnapshot } from './cluster-events';
import { DEFAULT_IDLE_TIMEOUT_SECONDS, parseClusterName, parseDisplayName, parseIdleTimeout, parseLabels, parseServerUrl } from './cluster-fields';
import { ClusterEntity } from './cluster.entity';
import { ClusterErrorCode, ClusterException } from './cluster.exception';
import { CredentialCipher } from './credential-cipher';

export interface RegisterClusterCommand {
  name: string;
  displayName?: string | null;
  server: string;
  caBundle?: string | null;
  labels?: Record<string, string> | null;
  idleTimeoutSeconds?: number | null;
  credential: ClusterCredentialInput;
}

/** Omitted (undefined) fields stay; `caBundle: null` switches to the system CAs. */
export interface UpdateClusterCommand {
  displayName?: string | null;
  server?: string | null;
  caBundle?: string | null;
  labels?: Record<string, string> | null;
  credential?: ClusterCredentialInput | null;
}

/**
 * Clusters and their sealed management credentials. A direct-mode cluster is only stored once
 * its API server has answered with the credential, so a typo is caught at registration rather
 * than at a developer's first kubectl call. Agent-mode clusters are registered by the agents
 * feature; here they share listing, updates of their descriptive fields, and removal.
 */
@Injectable()
export class ClustersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly cipher: CredentialCipher,
    private readonly probe: ApiServerProbe,
    private readonly adminActions: AdminActionLog,
  ) {}

  list(): Promise<ClusterEntity[]> {
    return this.dataSource.getRepository(ClusterEntity).find({ order: { name: 'ASC' } });
  }

  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<ClusterEntity> {
    const cluster = isUuid(id) ? await manager.findOneBy(ClusterEntity, { id }) : null;
    if (!cluster) throw new ClusterException(ClusterErrorCode.NotFound, `no cluster with id ${id}`);
    return cluster;
  }

  async getByName(name: string): Promise<ClusterEntity> {
    const cluster = await this.dataSource.getRepository(ClusterEntity).findOneBy({ name });
    if (!cluster) throw new ClusterException(ClusterErrorCode.NotFound, `no cluster named "${name}"`);
    return cluster;
  }

  async register(command: RegisterClusterCommand, actor: AdminActor): Promise<ClusterEntity> {
    const name = parseClusterName(command.name);
    const server = parseServerUrl(command.server);
    const caBundle = command.caBundle == null ? null : parseCaBundle(command.caBundle);
    const labels = parseLabels(command.labels ?? {});
    const idleTimeoutSeconds = parseIdleTimeout(command.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS);
    const displayName = parseDisplayName(command.displayName ?? name);
    const credential = parseClusterCredential(command.credential);
    // Checked before the (slow) probe for a quick answer; the unique index decides races.
    if (await this.dataSource.getRepository(ClusterEntity).existsBy({ name })) throw nameTaken(name);
    await this.probe.check({ server, caBundle, credential });

    const id = randomUUID();
    const cluster = Object.assign(new ClusterEntity(), { id, name, displayName, mode: 'direct', server, caBundle, labels, idleTimeoutSeconds }, this.seal(id, credential));
    try {
      return await this.outbox.transaction(async (manager, events) => {
        const saved = await manager.save(cluster);
        await events.add(Subjects.policyClusterChanged, clusterChanged('created', id, saved, actor));
        await this.adminActions.succeeded(events, actor, 'registerCluster', { kind: 'cluster', id }, null, clusterSnapshot(saved));
        return saved;
      });
    } catch (error) {
      throw isUniqueViolation(error, 'clusters_name') ? nameTaken(name) : error;
    }
  }

  async update(id: string, command: UpdateClusterCommand, actor: AdminActor): Promise<ClusterEntity> {
    const current = await this.get(id);
    if (current.mode === 'agent' && (command.server != null || command.caBundle != null || command.credential != null)) {
      throw new ClusterException(
        ClusterErrorCode.AgentMode,
        `cluster ${current.name} is in agent mode: server, caBundle and credential do not apply (its agent reaches the API server from inside); re-register its agent to replace its identity`,
      );
    }
    const changes: Partial<ClusterEntity> = {};
    if (command.displayName != null) changes.displayName = parseDisplayName(command.displayName);
    if (command.server != null) changes.server = parseServerUrl(command.server);
    if (command.caBundle !== undefined) changes.caBundle = command.caBundle === null ? null : parseCaBundle(command.caBundle);
    if (command.labels != null) changes.labels = parseLabels(command.labels);
    const newCredential = command.credential == null ? null : parseClusterCredential(command.credential);

    const reachabilityChanged =
      (changes.server !== undefined && changes.server !== current.server) ||
      (changes.caBundle !== undefined && changes.caBundle !== current.caBundle) ||
      newCredential !== null;
    if (reachabilityChanged) {
      await this.probe.check({
        server: changes.server ?? current.server,
        caBundle: changes.caBundle !== undefined ? changes.caBundle : current.caBundle,
        credential: newCredential ?? this.credentialOf(current),
      });
    }

    return this.outbox.transaction(async (manager, events) => {
      const before = await this.lock(manager, id);
      const after = Object.assign(new ClusterEntity(), before, changes, newCredential ? this.seal(id, newCredential) : {});
      const saved = await manager.save(after);
      await events.add(Subjects.policyClusterChanged, clusterChanged('updated', id, saved, actor));
      await this.adminActions.succeeded(events, actor, 'updateCluster', { kind: 'cluster', id }, clusterSnapshot(before), clusterSnapshot(saved));
      return saved;
    });
  }

  async setIdleTimeout(id: string, seconds: number, actor: AdminActor): Promise<ClusterEntity> {
    const idleTimeoutSeconds = parseIdleTimeout(seconds);
    return this.outbox.transaction(async (manager, events) => {
      const before = await this.lock(manager, id);
      const saved = await manager.save(Object.assign(new ClusterEntity(), before, { idleTimeoutSeconds }));
      await events.add(Subjects.policyClusterChanged, clusterChanged('updated', id, saved, actor));
      await this.adminActions.succeeded(events, actor, 'setIdleTimeout', { kind: 'cluster', id }, clusterSnapshot(before), clusterSnapshot(saved));
      return saved;
    });
  }

  /** Removes the cluster and the grants made for it by id (each published); selector grants stay. */
  async remove(id: string, actor: AdminActor): Promise<ClusterEntity> {
    return this.outbox.transaction(async (manager, events) => {
      const cluster = await this.lock(manager, id);
      const grants = await manager.find(GrantEntity, { where: { clusterId: id }, relations: { role: true } });
      for (const grant of grants) {
        await manager.delete(GrantEntity, { id: grant.id });
        await events.add(Subjects.policyGrantChanged, grantChanged('deleted', grant, grant.role?.name ?? '', actor));
      }
      await manager.delete(ClusterEntity, { id });
      await events.add(Subjects.policyClusterChanged, clusterChanged('deleted', id, null, actor));
      await this.adminActions.succeeded(events, actor, 'removeCluster', { kind: 'cluster', id }, { ...clusterSnapshot(cluster), grantsRemoved: grants.map((g) => g.id) }, null);
      return cluster;
    });
  }

  private async lock(manager: EntityManager, id: string): Promise<ClusterEntity> {
    const cluster = isUuid(id) ? await manager.findOne(ClusterEntity, { where: { id }, lock: { mode: 'pessimistic_write' } }) : null;
    if (!cluster) throw new ClusterException(ClusterErrorCode.NotFound, `no cluster with id ${id}`);
    return cluster;
  }

  private seal(id: string, credential: ClusterCredential): Partial<ClusterEntity> {
    const sealed = this.cipher.seal(JSON.stringify(credential), id);
    return {
      credentialKind: credential.kind,
      credentialKeyId: sealed.keyId,
      credentialIv: sealed.iv,
      credentialAuthTag: sealed.authTag,
      credentialCiphertext: sealed.ciphertext,
      credentialUpdatedAt: new Date(),
    };
  }

  /** The decrypted management credential: for the probe and for sa-provisioner, never for a person. */
  credentialOf(cluster: ClusterEntity): ClusterCredential {
    const { credentialKeyId: keyId, credentialIv: iv, credentialAuthTag: authTag, credentialCiphertext: ciphertext } = cluster;
    if (cluster.mode === 'agent' || keyId === null || iv === null || authTag === null || ciphertext === null) {
      throw new ClusterException(
        ClusterErrorCode.AgentMode,
        `cluster ${cluster.name} is in agent mode: Portcullis holds no management credential for it; its calls go through the cluster agent`,
      );
    }
    const plaintext = this.cipher.open({ keyId, iv, authTag, ciphertext }, cluster.id);
    return JSON.parse(plaintext) as ClusterCredential;
  }
}

function nameTaken(name: string): ClusterException {
  return new ClusterException(ClusterErrorCode.NameTaken, `a cluster named "${name}" already exists`);
}
