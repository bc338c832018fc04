import { z } from 'zod';
import { defineRequest, RequestOf, ResponseOf } from '../lib/contract';
import { Subjects } from '../lib/names';
import { dnsLabel } from '../lib/shared-schemas';

export const clusterEndpoint = z
  .object({
    id: z.uuid(),
    name: dnsLabel,
    displayName: z.string(),
    server: z.url(),
    /** PEM; null when the server's certificate chains to a public root. */
    caBundle: z.string().nullable(),
    idleTimeoutSeconds: z.number().int().positive(),
  })
  .strict();
export type ClusterEndpoint = z.infer<typeof clusterEndpoint>;

/** proxy, sa-provisioner → policy: where a cluster's API server is. Unknown name → NOT_FOUND. */
export const PolicyClusterLookupV1 = defineRequest({
  subject: Subjects.policyClusterLookup,
  request: z.object({ name: dnsLabel }).strict(),
  response: clusterEndpoint,
});
export type PolicyClusterLookupResponseV1 = ResponseOf<typeof PolicyClusterLookupV1>;

/**
 * sa-provisioner → policy: a cluster's management credential, decrypted. Only the provisioner
 * may ask: in production, NATS account permissions allow this subject to that service alone.
 */
export const PolicyClusterCredentialV1 = defineRequest({
  subject: Subjects.policyClusterCredential,
  request: z.object({ name: dnsLabel }).strict(),
  response: z
    .object({
      cluster: clusterEndpoint,
      credential: z.union([
        z.object({ token: z.string().min(1) }).strict(),
        z.object({ clientCertificate: z.string().min(1), clientKey: z.string().min(1) }).strict(),
      ]),
    })
    .strict(),
});
export type PolicyClusterCredentialRequestV1 = RequestOf<typeof PolicyClusterCredentialV1>;
export type PolicyClusterCredentialResponseV1 = ResponseOf<typeof PolicyClusterCredentialV1>;
