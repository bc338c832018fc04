import { z } from 'zod';
import { defineEvent, EventOf } from '../lib/contract';
import { Subjects } from '../lib/names';

export const SaProvisionedV1 = defineEvent({
  subject: Subjects.saProvisioned,
  schemaName: 'sa.provisioned.v1',
  shape: {
    userId: z.string().min(1),
    cluster: z.string().min(1),
    namespace: z.string().min(1),
    serviceAccount: z.string().min(1),
  },
});
export type SaProvisionedV1 = EventOf<typeof SaProvisionedV1>;
