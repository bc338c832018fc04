import { z } from 'zod';
import { defineEvent, EventOf } from '../lib/contract';
import { Subjects } from '../lib/names';

/** Every admin API mutation, for the audit trail: who did what to which object, before and after. */
export const AdminActionV1 = defineEvent({
  subject: Subjects.policyAdminAction,
  schemaName: 'policy.admin.action.v1',
  shape: {
    actor: z.object({ userId: z.string().min(1), email: z.email().nullable() }).strict(),
    action: z.string().min(1),
    target: z.object({ kind: z.string().min(1), id: z.string().nullable() }).strict(),
    /** Snapshots without secrets (a cluster's credential never appears). */
    before: z.record(z.string(), z.unknown()).nullable(),
    after: z.record(z.string(), z.unknown()).nullable(),
    outcome: z.enum(['succeeded', 'failed']),
    error: z.string().nullable(),
  },
});
export type AdminActionV1 = EventOf<typeof AdminActionV1>;
