import { z } from 'zod';
import { defineRequest, RequestOf, ResponseOf } from '../lib/contract';
import { Subjects } from '../lib/names';
import { dnsLabel } from '../lib/shared-schemas';

/**
 * proxy → sa-provisioner: the person's JIT ServiceAccount token for a cluster, provisioning the
 * ServiceAccount and its bindings if needed. `groups` is the snapshot in the person's kubeconfig
 * credential, so the bindings match the access the proxy authorised.
 */
export const SaTokenEnsureV1 = defineRequest({
  subject: Subjects.saTokenEnsure,
  request: z
    .object({
      userId: z.string().min(1),
      email: z.string().nullable(),
      groups: z.array(z.string().min(1)),
      cluster: dnsLabel,
    })
    .strict(),
  response: z.object({ token: z.string().min(1), expiresAt: z.iso.datetime({ offset: true }) }).strict(),
});
export type SaTokenEnsureRequestV1 = RequestOf<typeof SaTokenEnsureV1>;
export type SaTokenEnsureResponseV1 = ResponseOf<typeof SaTokenEnsureV1>;
