import { z } from 'zod';
import { defineEvent, EventOf } from '../lib/contract';
import { Subjects } from '../lib/names';

export const SaExpiredV1 = defineEvent({
  subject: Subjects.saExpired,
  schemaName: 'sa.expired.v1',
  shape: {
    userId: z.string().min(1),
    cluster: z.string().min(1),
    namespace: z.string().min(1),
    serviceAccount: z.string().min(1),
    reason: z.enum(['idle', 'revoked', 'access-removed', 'orphaned']),
  },
});
export type SaExpiredV1 = EventOf<typeof SaExpiredV1>;
