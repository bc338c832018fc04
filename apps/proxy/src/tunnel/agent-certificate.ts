import { createHash, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

const CLUSTER_ID_URI = /URI:urn:portcullis:cluster:([0-9a-f-]{36})(?:,|$)/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Who an agent's client certificate says it is; trusted only after the TLS layer verified the chain. */
export interface AgentCertificateIdentity {
  cluster: string;
  clusterId: string;
  /** SHA-256 of the DER, lower-case hex: what policy lists as accepted. */
  fingerprint: string;
  notAfter: number;
}

export type AgentCertificateCheck = { ok: true; identity: AgentCertificateIdentity } | { ok: false; reason: string; cluster: string | null };

/**
 * Reads the agent identity of a TLS connection to the tunnel endpoint: a certificate that chains
 * to the agent CA (checked by TLS: `authorized`), naming one cluster as CN and its id as SAN URI.
 */
export function agentCertificateOf(socket: TLSSocket): AgentCertificateCheck {
  const peer = socket.getPeerX509Certificate?.();
  const cluster = peer ? commonName(peer) : null;
  if (!peer) return { ok: false, reason: 'no client certificate was presented', cluster: null };
  if (!socket.authorized) return { ok: false, reason: `the client certificate is not accepted (${String(socket.authorizationError ?? 'unverified')})`, cluster };
  if (!cluster || !DNS_LABEL.test(cluster)) return { ok: false, reason: 'the client certificate names no cluster', cluster: null };
  const clusterId = CLUSTER_ID_URI.exec(peer.subjectAltName ?? '')?.[1];
  if (!clusterId) return { ok: false, reason: 'the client certificate carries no cluster id', cluster };
  return {
    ok: true,
    identity: { cluster, clusterId, fingerprint: createHash('sha256').update(peer.raw).digest('hex'), notAfter: Date.parse(peer.validTo) },
  };
}

function commonName(certificate: X509Certificate): string | null {
  for (const line of certificate.subject.split('\n')) if (line.startsWith('CN=')) return line.slice(3);
  return null;
}
