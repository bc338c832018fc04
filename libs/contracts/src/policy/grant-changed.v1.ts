import { z } from 'zod';
import { defineEvent, EventOf } from '../lib/contract';
import { Subjects } from '../lib/names';

/** A grant was created, changed or removed; `grant` is the state after the change (null when removed). */
export const GrantChangedV1 = defineEvent({
  subject: Subjects.policyGrantChanged,
  schemaName: 'policy.grant.changed.v1',
  shape: {
    grantId: z.uuid(),
    change: z.enum(['created', 'updated', 'deleted']),
    changedBy: z.string().min(1),
    grant: z
      .object({
        subject: z.object({ kind: z.enum(['group', 'user']), name: z.string().min(1) }),
        role: z.string().min(1),
        clusterId: z.uuid().nullable(),
        clusterSelector: z.record(z.string(), z.string()).nullable(),
        namespaces: z.array(z.string().min(1)),
      })
      .nullable(),
  },
});
export type GrantChangedV1 = EventOf<typeof GrantChangedV1>;
