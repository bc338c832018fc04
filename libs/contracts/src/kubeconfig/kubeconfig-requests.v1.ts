import { z } from 'zod';
import { defineRequest, RequestOf, ResponseOf } from '../lib/contract';
import { Subjects } from '../lib/names';
import { dnsLabel, timestamp } from '../lib/shared-schemas';

const kubeconfigSummary = z
  .object({
    kubeconfigId: z.uuid(),
    userId: z.string().min(1),
    clusters: z.array(dnsLabel),
    issuedAt: timestamp,
    expiresAt: timestamp,
    revokedAt: timestamp.nullable(),
  })
  .strict();
export type KubeconfigSummary = z.infer<typeof kubeconfigSummary>;

/**
 * identity (portal) → kubeconfig-issuer: mint a credential for a signed-in person and build
 * their consolidated kubeconfig. Fails with code NO_ACCESS when they may use no cluster.
 */
export const KubeconfigIssueV1 = defineRequest({
  subject: Subjects.kubeconfigIssue,
  request: z
    .object({
      userId: z.string().min(1),
      email: z.email().nullable(),
      displayName: z.string().nullable(),
      groups: z.array(z.string().min(1)),
    })
    .strict(),
  response: z.object({ kubeconfig: z.string().min(1), summary: kubeconfigSummary }).strict(),
});
export type KubeconfigIssueRequestV1 = RequestOf<typeof KubeconfigIssueV1>;
export type KubeconfigIssueResponseV1 = ResponseOf<typeof KubeconfigIssueV1>;

export const KubeconfigListV1 = defineRequest({
  subject: Subjects.kubeconfigList,
  request: z.object({ userId: z.string().min(1) }).strict(),
  response: z.object({ kubeconfigs: z.array(kubeconfigSummary) }).strict(),
});
export type KubeconfigListResponseV1 = ResponseOf<typeof KubeconfigListV1>;

/** Revoke one kubeconfig. With `ownerUserId`, only if it belongs to that user (NOT_FOUND otherwise). */
export const KubeconfigRevokeV1 = defineRequest({
  subject: Subjects.kubeconfigRevoke,
  request: z
    .object({
      kubeconfigId: z.uuid(),
      ownerUserId: z.string().min(1).nullable(),
      revokedBy: z.string().min(1),
      reason: z.string().max(500).nullable(),
    })
    .strict(),
  response: kubeconfigSummary,
});
export type KubeconfigRevokeRequestV1 = RequestOf<typeof KubeconfigRevokeV1>;

/** Revoke every live kubeconfig of a user (a lost laptop, a leaver). */
export const KubeconfigRevokeUserV1 = defineRequest({
  subject: Subjects.kubeconfigRevokeUser,
  request: z.object({ userId: z.string().min(1), revokedBy: z.string().min(1), reason: z.string().max(500).nullable() }).strict(),
  response: z.object({ revoked: z.array(kubeconfigSummary) }).strict(),
});
