/*
 * The agent tunnel's wire protocol, shared by the proxy (tunnel endpoint) and the cluster agent.
 *
 * The agent dials OUT over TLS to the proxy's tunnel port. With ALPN `portcullis-tunnel/1` and its
 * client certificate it opens the tunnel: HTTP/2 with the roles reversed, the agent being the
 * HTTP/2 server on its outbound socket and the proxy the client. Every proxied request is one
 * stream, so HTTP/2's per-stream flow control keeps a slow watch from stalling the others.
 *   - An ordinary request: `:method`, `:path` relative to the API server's root (the agent adds
 *     its API server's base path), the request headers as the proxy forwards them (Authorization
 *     carries the person's JIT token). The agent answers with the API server's response.
 *   - An upgrade (exec, attach, port-forward): a `CONNECT` stream; the agent opens a TLS
 *     connection (ALPN http/1.1) to its API server, answers 200 once it is up (502 otherwise),
 *     then relays raw bytes both ways. The proxy writes the client's HTTP/1.1 upgrade request into it.
 *   - AGENT_CREDENTIAL_HEADER: `self` — the agent replaces Authorization with its own
 *     ServiceAccount token. Only the provisioner's calls carry it; the proxy removes it from
 *     everything else. Never honoured on CONNECT streams.
 *   - AGENT_INFO_PATH: the proxy asks the agent who it is (AgentInfo) once the tunnel is up.
 * With ALPN `http/1.1` (no tunnel) the same port serves enrollment: POST ENROLL_PATH (bootstrap
 * token + CSR, no client certificate) and POST RENEW_PATH (CSR, with the current certificate).
 * A refused tunnel is closed with an HTTP/2 GOAWAY whose debug data says why (UTF-8 text).
 */

/** ALPN protocol id of the tunnel; keeps it apart from `h2` / `http/1.1` on the same port. */
export const TUNNEL_ALPN = 'portcullis-tunnel/1';

export const ENROLL_PATH = '/agent/v1/enroll';
export const RENEW_PATH = '/agent/v1/renew';
export const AGENT_INFO_PATH = '/.portcullis/agent/info';

export const AGENT_CREDENTIAL_HEADER = 'portcullis-agent-credential';
export const AGENT_CREDENTIAL_SELF = 'self';

/** Both ends ping this often; a ping unanswered for HEARTBEAT_TIMEOUT_MS ends the tunnel. */
export const HEARTBEAT_INTERVAL_MS = 10_000;
export const HEARTBEAT_TIMEOUT_MS = 10_000;

/**
 * A replica renews its tunnel presence (Buckets.tunnelPresence) at every heartbeat; three missed
 * renewals and nobody believes the claim any more: a replica that died is passed over within
 * half a minute, while one slow broker round trip never drops a live tunnel.
 */
export const PRESENCE_TTL_MS = 3 * HEARTBEAT_INTERVAL_MS;

/** Body of POST ENROLL_PATH. */
export interface EnrollmentRequest {
  cluster: string;
  bootstrapToken: string;
  /** PEM PKCS#10, the agent's own key (ECDSA P-256). */
  csr: string;
  agentVersion: string;
}

/** Body of POST RENEW_PATH (the cluster and the current identity come from the client certificate). */
export interface RenewalRequest {
  csr: string;
  agentVersion: string;
}

/** 200 answer of both; refusals are Kubernetes Status documents (401 invalid token or identity, 400 bad CSR, 503 try later). */
export interface IssuedAgentCertificate {
  certificate: string;
  caCertificate: string;
  notAfter: string;
}

/** The agent's answer to GET AGENT_INFO_PATH. */
export interface AgentInfo {
  cluster: string;
  version: string;
  /** The API server as the agent reaches it (in-cluster: https://kubernetes.default.svc). */
  apiServer: string;
}
