import { Injectable } from '@nestjs/common';
import { dnsLabel, Subjects, validate } from '@portcullis/contracts';
import { Outbox } from '@portcullis/platform/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AdminActionLog, AdminActor } from '../admin-actions/admin-action.log';
import { isUuid } from '../database/is-uuid';
import { isUniqueViolation } from '../errors/unique-violation';
import { GrantEntity } from '../grants/grant.entity';
import { parsePolicyRules } from './policy-rules';
import { roleChanged, roleSnapshot } from './role-events';
import { RoleEntity } from './role.entity';
import { RoleErrorCode, RoleException } from './role.exception';

export interface CreateRoleCommand {
  name: string;
  description?: string | null;
  rules: unknown;
}

export interface UpdateRoleCommand {
  description?: string | null;
  rules?: unknown;
}

/**
 * Roles grants hand out. The built-in four are seeded and immutable (they stand for the
 * clusters' own ClusterRoles); custom roles are validated Kubernetes PolicyRules.
 */
@Injectable()
export class RolesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly adminActions: AdminActionLog,
  ) {}

  list(): Promise<RoleEntity[]> {
    return this.dataSource.getRepository(RoleEntity).find({ order: { builtIn: 'DESC', name: 'ASC' } });
  }

  async get(id: string, manager: EntityManager = this.dataSource.manager): Promise<RoleEntity> {
    const role = isUuid(id) ? await manager.findOneBy(RoleEntity, { id }) : null;
    if (!role) throw new RoleException(RoleErrorCode.NotFound, `no role with id ${id}`);
    return role;
  }

  async create(command: CreateRoleCommand, actor: AdminActor): Promise<RoleEntity> {
    const name = validate(dnsLabel, command.name);
    if (!name.ok) throw new RoleException(RoleErrorCode.InvalidInput, `name: "${command.name.slice(0, 80)}" ${name.reason.replace(/^\(root\): /, '')}`);
    const role = Object.assign(new RoleEntity(), {
      id: randomUUID(),
      name: name.value,
      builtIn: false,
      description: parseDescription(command.description),
      rules: parsePolicyRules(command.rules),
    });
    try {
      return await this.outbox.transaction(async (manager, events) => {
        const saved = await manager.save(role);
        await events.add(Subjects.policyRoleChanged, roleChanged('created', saved, actor));
        await this.adminActions.succeeded(events, actor, 'createRole', { kind: 'role', id: saved.id }, null, roleSnapshot(saved));
        return saved;
      });
    } catch (error) {
      if (isUniqueViolation(error, 'roles_name')) throw new RoleException(RoleErrorCode.NameTaken, `a role named "${role.name}" already exists`);
      throw error;
    }
  }

  async update(id: string, command: UpdateRoleCommand, actor: AdminActor): Promise<RoleEntity> {
    const changes: Partial<RoleEntity> = {};
    if (command.description !== undefined) changes.description = parseDescription(command.description);
    if (command.rules != null) changes.rules = parsePolicyRules(command.rules);
    return this.outbox.transaction(async (manager, events) => {
      const before = await this.lockCustom(manager, id, 'changed');
      const saved = await manager.save(Object.assign(new RoleEntity(), before, changes));
      await events.add(Subjects.policyRoleChanged, roleChanged('updated', saved, actor));
      await this.adminActions.succeeded(events, actor, 'updateRole', { kind: 'role', id }, roleSnapshot(before), roleSnapshot(saved));
      return saved;
    });
  }

  async delete(id: string, actor: AdminActor): Promise<RoleEntity> {
    return this.outbox.transaction(async (manager, events) => {
      const role = await this.lockCustom(manager, id, 'deleted');
      const uses = await manager.countBy(GrantEntity, { roleId: id });
      if (uses > 0) throw new RoleException(RoleErrorCode.InUse, `role "${role.name}" is used by ${uses} grant(s); revoke them first`);
      await manager.delete(RoleEntity, { id });
      await events.add(Subjects.policyRoleChanged, roleChanged('deleted', role, actor));
      await this.adminActions.succeeded(events, actor, 'deleteRole', { kind: 'role', id }, roleSnapshot(role), null);
      return role;
    });
  }

  private async lockCustom(manager: EntityManager, id: string, verb: string): Promise<RoleEntity> {
    const role = isUuid(id) ? await manager.findOne(RoleEntity, { where: { id }, lock: { mode: 'pessimistic_write' } }) : null;
    if (!role) throw new RoleException(RoleErrorCode.NotFound, `no role with id ${id}`);
    if (role.builtIn) throw new RoleException(RoleErrorCode.BuiltIn, `"${role.name}" is a built-in role and cannot be ${verb}`);
    return role;
  }
}

function parseDescription(description: string | null | undefined): string | null {
  const trimmed = description?.trim() ?? '';
  if (trimmed.length > 500) throw new RoleException(RoleErrorCode.InvalidInput, 'description: at most 500 characters');
  return trimmed || null;
}
