import { z } from 'zod';
import { defineRequest, RequestOf, ResponseOf } from '../lib/contract';
import { Subjects } from '../lib/names';
import { dnsLabel, policyRule } from '../lib/shared-schemas';

export const effectiveAccessEntry = z
  .object({
    grantId: z.uuid(),
    cluster: z.object({ id: z.uuid(), name: dnsLabel, displayName: z.string() }).strict(),
    role: z
      .object({
        name: z.string().min(1),
        /** Built-in roles map to the Kubernetes ClusterRoles of the same name; custom ones carry rules. */
        builtIn: z.boolean(),
        rules: z.array(policyRule),
      })
      .strict(),
    /** Empty: the whole cluster. */
    namespaces: z.array(dnsLabel),
  })
  .strict();
export type EffectiveAccessEntry = z.infer<typeof effectiveAccessEntry>;

/**
 * The union of the grants of a user and of their groups, one entry per grant and cluster.
 * Groups come from the caller (the IdP snapshot it holds), not from policy.
 */
export const PolicyEffectiveAccessV1 = defineRequest({
  subject: Subjects.policyEffectiveAccess,
  request: z.object({ userId: z.string().min(1), groups: z.array(z.string().min(1)) }).strict(),
  response: z
    .object({
      entries: z.array(effectiveAccessEntry),
      /** The global setting: how long a kubeconfig issued now may live. */
      kubeconfigValiditySeconds: z.number().int().positive(),
    })
    .strict(),
});
export type PolicyEffectiveAccessRequestV1 = RequestOf<typeof PolicyEffectiveAccessV1>;
export type PolicyEffectiveAccessResponseV1 = ResponseOf<typeof PolicyEffectiveAccessV1>;
