import { z } from 'zod';
import { defineEvent, EventOf } from '../lib/contract';
import { Subjects } from '../lib/names';
import { dnsLabel } from '../lib/shared-schemas';

/** A cluster was registered, changed or removed. Never carries the management credential. */
export const ClusterChangedV1 = defineEvent({
  subject: Subjects.policyClusterChanged,
  schemaName: 'policy.cluster.changed.v1',
  shape: {
    clusterId: z.uuid(),
    change: z.enum(['created', 'updated', 'deleted']),
    changedBy: z.string().min(1),
    cluster: z
      .object({
        name: dnsLabel,
        displayName: z.string(),
        server: z.url(),
        caBundle: z.string().nullable(),
        labels: z.record(z.string(), z.string()),
        idleTimeoutSeconds: z.number().int().positive(),
      })
      .strict()
      .nullable(),
  },
});
export type ClusterChangedV1 = EventOf<typeof ClusterChangedV1>;
