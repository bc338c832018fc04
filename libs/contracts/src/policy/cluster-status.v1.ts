import { z } from 'zod';
import { defineRequest, RequestOf, ResponseOf } from '../lib/contract';
import { Subjects } from '../lib/names';
import { dnsLabel } from '../lib/shared-schemas';
import { clusterConnectionMode } from './cluster-lookup.v2';

/**
 * identity (the portal) → policy: how each named cluster is reached and, in agent mode, whether
 * its agent is connected now. Unknown names are left out of the answer.
 */
export const PolicyClusterStatusV1 = defineRequest({
  subject: Subjects.policyClusterStatus,
  request: z.object({ names: z.array(dnsLabel).max(1_000) }).strict(),
  response: z
    .object({
      clusters: z.array(
        z
          .object({
            name: dnsLabel,
            mode: clusterConnectionMode,
            /** Agent mode: whether a proxy replica holds its tunnel now; null in direct mode. */
            agentConnected: z.boolean().nullable(),
          })
          .strict(),
      ),
    })
    .strict(),
});
export type PolicyClusterStatusRequestV1 = RequestOf<typeof PolicyClusterStatusV1>;
export type PolicyClusterStatusResponseV1 = ResponseOf<typeof PolicyClusterStatusV1>;
