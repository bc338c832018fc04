import { z } from 'zod';
import { defineRequest, ResponseOf } from '../lib/contract';
import { Subjects } from '../lib/names';
import { dnsLabel } from '../lib/shared-schemas';
import { clusterEndpoint } from './cluster-lookup.v1';

export const clusterConnectionMode = z.enum(['direct', 'agent']);
export type ClusterConnectionMode = z.infer<typeof clusterConnectionMode>;

/**
 * A cluster's endpoint with how Portcullis reaches it. In agent mode `server` is the API server
 * as the agent sees it (informational: neither the proxy nor the provisioner dials it), and
 * `agent` lists the SHA-256 fingerprints (lower-case hex of the DER) of the agent certificates
 * the proxy may accept: the current one, and the one it replaced until that one expires.
 */
export const clusterEndpointV2 = clusterEndpoint
  .extend({
    mode: clusterConnectionMode,
    agent: z.object({ certificateFingerprints: z.array(z.string().regex(/^[0-9a-f]{64}$/)) }).strict().nullable(),
  })
  .strict();
export type ClusterEndpointV2 = z.infer<typeof clusterEndpointV2>;

/** proxy, sa-provisioner → policy: where a cluster is and how to reach it. Unknown name → NOT_FOUND. */
export const PolicyClusterLookupV2 = defineRequest({
  subject: Subjects.policyClusterLookupV2,
  request: z.object({ name: dnsLabel }).strict(),
  response: clusterEndpointV2,
});
export type PolicyClusterLookupResponseV2 = ResponseOf<typeof PolicyClusterLookupV2>;
