import { RoleChangedV1 } from '@portcullis/contracts';
import { randomUUID } from 'node:crypto';
import type { AdminActor } from '../admin-actions/admin-action.log';
import { RoleEntity } from './role.entity';

export function roleChanged(change: RoleChangedV1['change'], role: RoleEntity, actor: AdminActor): RoleChangedV1 {
  return {
    id: randomUUID(),
    occurredAt: new Date().toISOString(),
    roleId: role.id,
    change,
    changedBy: actor.userId,
    role: change === 'deleted' ? null : { name: role.name, builtIn: role.builtIn, rules: role.rules },
  };
}

export function roleSnapshot(role: RoleEntity): Record<string, unknown> {
  return { id: role.id, name: role.name, builtIn: role.builtIn, description: role.description, rules: role.rules };
}
