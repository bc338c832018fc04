import { z } from 'zod';
import { defineEvent, EventOf } from '../lib/contract';
import { Subjects } from '../lib/names';

/** Every proxy replica must refuse `kubeconfigId` from now until `expiresAt` (after which it is dead anyway). */
export const KubeconfigRevokedV1 = defineEvent({
  subject: Subjects.kubeconfigRevoked,
  schemaName: 'kubeconfig.revoked.v1',
  shape: {
    kubeconfigId: z.uuid(),
    userId: z.string().min(1),
    revokedBy: z.string().min(1),
    reason: z.string().max(500).nullable(),
    expiresAt: z.iso.datetime({ offset: true }),
  },
});
export type KubeconfigRevokedV1 = EventOf<typeof KubeconfigRevokedV1>;
