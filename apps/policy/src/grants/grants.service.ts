import { Injectable } from '@nestjs/common';
import { dnsLabel, Subjects, validate } from '@portcullis/contracts';
import { Outbox } from '@portcullis/platform/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource, FindOptionsWhere } from 'typeorm';
import { AdminActionLog, AdminActor } from '../admin-actions/admin-action.log';
import { labelProblem, labelsMatch, sortedLabels } from '../clusters/cluster-labels';
import { ClusterEntity } from '../clusters/cluster.entity';
import { ClustersService } from '../clusters/clusters.service';
import { isUuid } from '../database/is-uuid';
import { isUniqueViolation } from '../errors/unique-violation';
import { RoleEntity } from '../roles/role.entity';
import { RolesService } from '../roles/roles.service';
import { grantChanged, grantSnapshot } from './grant-events';
import { GrantEntity, GrantSubjectKind } from './grant.entity';
import { GrantErrorCode, GrantException } from './grant.exception';

export interface GrantCommand {
  subject: { kind: GrantSubjectKind; name: string };
  roleId: string;
  clusterId?: string | null;
  clusterSelector?: Record<string, string> | null;
  namespaces?: string[] | null;
}

export interface GrantFilter {
  subject?: { kind: GrantSubjectKind; name: string } | null;
  roleId?: string | null;
  clusterId?: string | null;
}

const MAX_NAMESPACES = 100;

function invalid(message: string): GrantException {
  return new GrantException(GrantErrorCode.InvalidInput, message);
}

/** The clusters a grant applies to right now: its cluster, or every cluster its selector matches. */
export function clustersOfGrant(grant: GrantEntity, clusters: ClusterEntity[]): ClusterEntity[] {
  if (grant.clusterSelector === null) return clusters.filter((cluster) => cluster.id === grant.clusterId);
  const selector = grant.clusterSelector;
  return clusters.filter((cluster) => labelsMatch(selector, cluster.labels));
}

/**
 * Grants: subject → role → one cluster or a label selector → optional namespaces. A selector
 * is stored as written and matched against clusters when access is asked for, so a cluster
 * registered later with matching labels is covered without a new grant.
 */
@Injectable()
export class GrantsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly roles: RolesService,
    private readonly clusters: ClustersService,
    private readonly adminActions: AdminActionLog,
  ) {}

  async list(filter: GrantFilter = {}): Promise<GrantEntity[]> {
    const where: FindOptionsWhere<GrantEntity> = {};
    if (filter.subject) Object.assign(where, { subjectKind: filter.subject.kind, subjectName: filter.subject.name });
    if (filter.roleId != null) {
      if (!isUuid(filter.roleId)) return [];
      where.roleId = filter.roleId;
    }
    if (filter.clusterId != null) {
      if (!isUuid(filter.clusterId)) return [];
      where.clusterId = filter.clusterId;
    }
    return this.dataSource.getRepository(GrantEntity).find({ where, relations: { role: true, cluster: true }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** The grants of one person: their own and their groups'. */
  forUser(userId: string, groups: string[]): Promise<GrantEntity[]> {
    const where: FindOptionsWhere<GrantEntity>[] = [{ subjectKind: 'user', subjectName: userId }];
    for (const group of new Set(groups)) where.push({ subjectKind: 'group', subjectName: group });
    return this.dataSource.getRepository(GrantEntity).find({ where, relations: { role: true, cluster: true }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async create(command: GrantCommand, actor: AdminActor): Promise<GrantEntity> {
    const subjectName = command.subject.name.trim();
    if (!/^[^\p{Cc}]{1,256}$/u.test(subjectName)) throw invalid('subject.name: must be 1-256 characters without control characters');
    const clusterId = command.clusterId ?? null;
    const clusterSelector = command.clusterSelector == null ? null : sortedLabels(command.clusterSelector);
    if ((clusterId === null) === (clusterSelector === null)) throw invalid('give either clusterId or clusterSelector, not both and not neither');
    const selectorProblem = clusterSelector && labelProblem(clusterSelector);
    if (selectorProblem) throw invalid(`clusterSelector: ${selectorProblem}`);
    const namespaces = parseNamespaces(command.namespaces ?? []);

    const grant = Object.assign(new GrantEntity(), {
      id: randomUUID(),
      subjectKind: command.subject.kind,
      subjectName,
      roleId: command.roleId,
      clusterId,
      clusterSelector,
      namespaces,
      signature: JSON.stringify([command.subject.kind, subjectName, command.roleId, clusterId, clusterSelector, namespaces]),
      createdBy: actor.userId,
    });
    try {
      return await this.outbox.transaction(async (manager, events) => {
        const role = await this.roles.get(command.roleId, manager);
        const cluster = clusterId === null ? null : await this.clusters.get(clusterId, manager);
        await manager.insert(GrantEntity, grant);
        const saved = Object.assign(await manager.findOneByOrFail(GrantEntity, { id: grant.id }), { role, cluster });
        await events.add(Subjects.policyGrantChanged, grantChanged('created', saved, role.name, actor));
        await this.adminActions.succeeded(events, actor, 'grant', { kind: 'grant', id: saved.id }, null, grantSnapshot(saved, role.name));
        return saved;
      });
    } catch (error) {
      if (isUniqueViolation(error, 'grants_signature')) throw new GrantException(GrantErrorCode.Duplicate, 'the same grant already exists');
      throw error;
    }
  }

  async revoke(id: string, actor: AdminActor): Promise<GrantEntity> {
    return this.outbox.transaction(async (manager, events) => {
      const grant = isUuid(id) ? await manager.findOne(GrantEntity, { where: { id }, lock: { mode: 'pessimistic_write' } }) : null;
      if (!grant) throw new GrantException(GrantErrorCode.NotFound, `no grant with id ${id}`);
      grant.role = await manager.findOneByOrFail(RoleEntity, { id: grant.roleId });
      grant.cluster = grant.clusterId === null ? null : await manager.findOneBy(ClusterEntity, { id: grant.clusterId });
      const roleName = grant.role.name;
      await manager.delete(GrantEntity, { id });
      await events.add(Subjects.policyGrantChanged, grantChanged('deleted', grant, roleName, actor));
      await this.adminActions.succeeded(events, actor, 'revokeGrant', { kind: 'grant', id }, grantSnapshot(grant, roleName), null);
      return grant;
    });
  }
}

function parseNamespaces(namespaces: string[]): string[] {
  const unique = [...new Set(namespaces)].sort();
  if (unique.length > MAX_NAMESPACES) throw invalid(`namespaces: at most ${MAX_NAMESPACES}`);
  const bad = unique.find((namespace) => !validate(dnsLabel, namespace).ok);
  if (bad !== undefined) throw invalid(`namespaces: "${bad.slice(0, 80)}" is not a DNS label`);
  return unique;
}
