import { z } from 'zod';
import { defineEvent, EventOf } from '../lib/contract';
import { Subjects } from '../lib/names';
import { policyRule } from '../lib/shared-schemas';

export const RoleChangedV1 = defineEvent({
  subject: Subjects.policyRoleChanged,
  schemaName: 'policy.role.changed.v1',
  shape: {
    roleId: z.uuid(),
    change: z.enum(['created', 'updated', 'deleted']),
    changedBy: z.string().min(1),
    role: z.object({ name: z.string().min(1), builtIn: z.boolean(), rules: z.array(policyRule) }).strict().nullable(),
  },
});
export type RoleChangedV1 = EventOf<typeof RoleChangedV1>;
