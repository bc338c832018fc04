import { z } from 'zod';
import { defineRequest, RequestOf, ResponseOf } from '../lib/contract';
import { Subjects } from '../lib/names';

/** proxy → sa-provisioner: the person's JIT ServiceAccount token for a cluster, provisioning it if needed. */
export const SaTokenEnsureV1 = defineRequest({
  subject: Subjects.saTokenEnsure,
  request: z.object({ userId: z.string().min(1), cluster: z.string().min(1) }).strict(),
  response: z.object({ token: z.string().min(1), expiresAt: z.iso.datetime({ offset: true }) }).strict(),
});
export type SaTokenEnsureRequestV1 = RequestOf<typeof SaTokenEnsureV1>;
export type SaTokenEnsureResponseV1 = ResponseOf<typeof SaTokenEnsureV1>;
