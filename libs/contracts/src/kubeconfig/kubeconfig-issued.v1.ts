import { z } from 'zod';
import { defineEvent, EventOf } from '../lib/contract';
import { Subjects } from '../lib/names';

export const KubeconfigIssuedV1 = defineEvent({
  subject: Subjects.kubeconfigIssued,
  schemaName: 'kubeconfig.issued.v1',
  shape: {
    kubeconfigId: z.uuid(),
    userId: z.string().min(1),
    groups: z.array(z.string().min(1)),
    clusters: z.array(z.string().min(1)),
    expiresAt: z.iso.datetime({ offset: true }),
  },
});
export type KubeconfigIssuedV1 = EventOf<typeof KubeconfigIssuedV1>;
