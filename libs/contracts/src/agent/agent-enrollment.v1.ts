import { z } from 'zod';
import { defineRequest, RequestOf, ResponseOf } from '../lib/contract';
import { Subjects } from '../lib/names';
import { dnsLabel, timestamp } from '../lib/shared-schemas';

/** Reply codes of the enrollment requests, shared by policy (which answers) and the proxy (which maps them to HTTP). */
export const AgentEnrollmentCodes = {
  /** The bootstrap token is wrong, expired, already used, or for another cluster: one answer for all, so it leaks nothing. */
  tokenInvalid: 'BOOTSTRAP_TOKEN_INVALID',
  /** The certificate presented for renewal is not (or no longer) this cluster's agent identity. */
  agentRevoked: 'AGENT_REVOKED',
  /** The CSR does not parse, is not self-signed correctly, or uses a key type Portcullis does not sign. */
  csrInvalid: 'CSR_INVALID',
  /** No such cluster, or it is not in agent mode. */
  notFound: 'NOT_FOUND',
} as const;

const pem = (label: string) => z.string().min(1).max(16_384).includes(`-----BEGIN ${label}-----`);

const issuedCertificate = z
  .object({
    /** PEM, the agent's client certificate (CN = cluster name). */
    certificate: pem('CERTIFICATE'),
    /** PEM, the CA that signed it (what the proxy's tunnel endpoint trusts). */
    caCertificate: pem('CERTIFICATE'),
    notAfter: timestamp,
  })
  .strict();

/**
 * proxy → policy: an agent exchanges its one-time bootstrap token and a CSR (it generated the
 * key, which never leaves the cluster) for its client certificate. Only the proxy's tunnel
 * endpoint asks; the token is verified and spent by policy.
 */
export const AgentEnrollV1 = defineRequest({
  subject: Subjects.agentEnroll,
  request: z
    .object({
      cluster: dnsLabel,
      bootstrapToken: z.string().min(1).max(256),
      csr: pem('CERTIFICATE REQUEST'),
      agentVersion: z.string().min(1).max(64),
      peerAddress: z.string().max(64),
    })
    .strict(),
  response: issuedCertificate,
});
export type AgentEnrollRequestV1 = RequestOf<typeof AgentEnrollV1>;
export type AgentEnrollResponseV1 = ResponseOf<typeof AgentEnrollV1>;

/**
 * proxy → policy: an agent renews its certificate before it expires, authenticated by the
 * certificate it holds now (verified by the proxy's TLS endpoint, named here by fingerprint).
 */
export const AgentRenewV1 = defineRequest({
  subject: Subjects.agentRenew,
  request: z
    .object({
      cluster: dnsLabel,
      certificateFingerprint: z.string().regex(/^[0-9a-f]{64}$/),
      csr: pem('CERTIFICATE REQUEST'),
      agentVersion: z.string().min(1).max(64),
    })
    .strict(),
  response: issuedCertificate,
});
export type AgentRenewRequestV1 = RequestOf<typeof AgentRenewV1>;
