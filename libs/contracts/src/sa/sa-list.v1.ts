import { z } from 'zod';
import { defineRequest, RequestOf, ResponseOf } from '../lib/contract';
import { Subjects } from '../lib/names';
import { dnsLabel, timestamp } from '../lib/shared-schemas';

/** A person's just-in-time ServiceAccount on one cluster, as the provisioner tracks it. */
export const jitServiceAccount = z
  .object({
    userId: z.string().min(1),
    cluster: dnsLabel,
    namespace: dnsLabel,
    serviceAccount: z.string().min(1),
    createdAt: timestamp,
    /** The last request the proxy forwarded with it; null before the first one. */
    lastActivityAt: timestamp.nullable(),
    /** When the provisioner deletes it unless it is used again (the cluster's idle timeout). */
    idleExpiresAt: timestamp,
  })
  .strict();
export type JitServiceAccount = z.infer<typeof jitServiceAccount>;

/** admin API → sa-provisioner: the JIT ServiceAccounts that exist on a cluster now, optionally one person's. */
export const SaListV1 = defineRequest({
  subject: Subjects.saList,
  request: z.object({ cluster: dnsLabel, userId: z.string().min(1).optional() }).strict(),
  response: z.object({ serviceAccounts: z.array(jitServiceAccount) }).strict(),
});
export type SaListRequestV1 = RequestOf<typeof SaListV1>;
export type SaListResponseV1 = ResponseOf<typeof SaListV1>;
