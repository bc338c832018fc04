/*
 * Trust model of agent enrollment and renewal (HTTP/1.1 on the tunnel port).
 * - Trusts: nothing the caller says. Enrollment is authorised only by a bootstrap token that
 *   policy verifies and spends; renewal only by a client certificate TLS verified against the
 *   agent CA, named to policy by its fingerprint, which policy checks is still current.
 * - Holds: nothing. Tokens and CSRs pass through to policy and are never logged; the agent's
 *   private key never leaves the cluster.
 * - Answers: Kubernetes Status documents, the same 401 for every kind of bad token (no oracle).
 */
import { Injectable } from '@nestjs/common';
import { AgentEnrollmentCodes, AgentEnrollV1, AgentRenewV1 } from '@portcullis/contracts';
import { NoRespondersError, RemoteRequestError, Requester, RequestTimeoutError } from '@portcullis/platform/messaging';
import { ENROLL_PATH, RENEW_PATH } from '@portcullis/platform/tunnel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import { kubeStatusBody } from '../errors/kube-status';
import { agentCertificateOf } from './agent-certificate';
import { AgentTunnels } from './agent-tunnels';
import { TunnelMetrics } from './tunnel-metrics';

const MAX_BODY_BYTES = 64 * 1024;

const enrollmentBody = z.object({ cluster: z.string().min(1).max(63), bootstrapToken: z.string().min(1).max(256), csr: z.string().min(1).max(16_384), agentVersion: z.string().min(1).max(64) }).strict();
const renewalBody = z.object({ csr: z.string().min(1).max(16_384), agentVersion: z.string().min(1).max(64) }).strict();

class EnrollmentRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_REFUSED = 'the bootstrap token is invalid, expired or already used; re-register the cluster for a new one';

/** POST ENROLL_PATH and POST RENEW_PATH: certificates for agents, signed by policy. */
@Injectable()
export class AgentEnrollment {
  constructor(
    private readonly requester: Requester,
    private readonly tunnels: AgentTunnels,
    private readonly metrics: TunnelMetrics,
  ) {}

  readonly handle = (request: IncomingMessage, response: ServerResponse): void => {
    void this.answer(request, response);
  };

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').split('?')[0];
    const kind = path === ENROLL_PATH ? 'enroll' : path === RENEW_PATH ? 'renew' : null;
    const peerAddress = request.socket.remoteAddress ?? '';
    let cluster: string | null = null;
    try {
      if (!kind) throw new EnrollmentRefusal(404, `nothing is served at ${path.slice(0, 100)}; agents enroll at POST ${ENROLL_PATH}`);
      if (request.method !== 'POST') throw new EnrollmentRefusal(405, `${path} accepts POST only`);
      const body = await readJson(request);
      const issued = kind === 'enroll' ? await this.enroll(body, peerAddress, (name) => (cluster = name)) : await this.renew(body, request.socket as TLSSocket, (name) => (cluster = name));
      this.metrics.enrollments.inc({ kind: kind, outcome: 'issued' });
      send(response, 200, JSON.stringify(issued));
    } catch (error) {
      const refusal = error instanceof EnrollmentRefusal ? error : new EnrollmentRefusal(500, 'enrollment failed unexpectedly');
      if (kind) this.metrics.enrollments.inc({ kind, outcome: refusal.status >= 500 ? 'failed' : 'refused' });
      if (kind && refusal.status < 500) this.tunnels.refused(cluster, null, peerAddress, `${kind}: ${refusal.message}`);
      const reason = refusal.status === 401 ? 'Unauthorized' : refusal.status === 503 ? 'ServiceUnavailable' : refusal.status >= 500 ? 'InternalError' : refusal.status === 404 ? 'NotFound' : 'BadRequest';
      send(response, refusal.status, kubeStatusBody(refusal.status, reason, refusal.message), refusal.status === 503 ? { 'retry-after': '5' } : {});
    }
  }

  private async enroll(body: unknown, peerAddress: string, named: (cluster: string) => void) {
    const parsed = enrollmentBody.safeParse(body);
    if (!parsed.success) throw new EnrollmentRefusal(400, 'the enrollment request must be JSON with cluster, bootstrapToken, csr and agentVersion');
    named(parsed.data.cluster);
    return this.ask(() => this.requester.request(AgentEnrollV1, { ...parsed.data, peerAddress: peerAddress.slice(0, 64) }));
  }

  private async renew(body: unknown, socket: TLSSocket, named: (cluster: string) => void) {
    const check = agentCertificateOf(socket);
    if (!check.ok) throw new EnrollmentRefusal(401, `renewal needs the agent's current certificate: ${check.reason}`);
    named(check.identity.cluster);
    const parsed = renewalBody.safeParse(body);
    if (!parsed.success) throw new EnrollmentRefusal(400, 'the renewal request must be JSON with csr and agentVersion');
    return this.ask(() => this.requester.request(AgentRenewV1, { cluster: check.identity.cluster, certificateFingerprint: check.identity.fingerprint, ...parsed.data }));
  }

  private async ask<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      if (error instanceof RequestTimeoutError || error instanceof NoRespondersError) throw new EnrollmentRefusal(503, 'the policy service does not answer; retry later');
      if (!(error instanceof RemoteRequestError)) throw new EnrollmentRefusal(503, 'the policy service failed; retry later');
      switch (error.code) {
        case AgentEnrollmentCodes.tokenInvalid:
        case AgentEnrollmentCodes.notFound:
          throw new EnrollmentRefusal(401, TOKEN_REFUSED);
        case AgentEnrollmentCodes.agentRevoked:
          throw new EnrollmentRefusal(401, 'this agent identity was revoked; re-register the cluster and apply the new bootstrap token');
        case AgentEnrollmentCodes.csrInvalid:
          throw new EnrollmentRefusal(400, `the certificate signing request was refused: ${error.message}`);
        default:
          throw new EnrollmentRefusal(503, `the policy service failed (${error.code}); retry later`);
      }
    }
  }
}

function readJson(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new EnrollmentRefusal(413, `the request body exceeds ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.once('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new EnrollmentRefusal(400, 'the request body is not JSON'));
      }
    });
    request.once('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (response.headersSent || response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', connection: 'close', ...headers });
  response.end(body);
}
