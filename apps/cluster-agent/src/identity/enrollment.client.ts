/*
 * Trust model of enrollment and renewal (the agent's calls to the proxy's tunnel endpoint).
 * - Trusts: the tunnel endpoint only when its certificate chains to AGENT_TUNNEL_CA_FILE (or the
 *   public roots when none is set) and names the host of AGENT_TUNNEL_URL.
 * - Sends: the one-time bootstrap token (enrollment) or proves the current certificate over mutual
 *   TLS (renewal), with a CSR for a key generated here. The key itself never leaves the cluster.
 * - Never: logs or repeats in an error the token, the key or a certificate. Refusal messages come
 *   from the endpoint's Status, trimmed to one short line.
 */
import {
  ENROLL_PATH,
  EnrollmentRequest,
  IssuedAgentCertificate,
  RENEW_PATH,
  RenewalRequest,
} from '@portcullis/platform/tunnel';
import https from 'node:https';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { IdentityErrorCode, IdentityException } from './identity.exception';

export interface TunnelEndpointAddress {
  /** https://host:port */
  url: string;
  /** PEM CA bundle; undefined: the public roots. */
  ca?: string;
}

export interface ClientCertificate {
  keyPem: string;
  certificatePem: string;
}

// A certificate and its CA fit in a few KiB; anything much larger is not an answer to parse.
const MAX_ANSWER_BYTES = 256 * 1024;
const REQUEST_TIMEOUT_MS = 15_000;
const MAX_MESSAGE_CHARS = 300;

interface RawAnswer {
  status: number;
  body: string;
}

/** What a Status body says, on one short line; the status line when it says nothing usable. */
function refusalMessage(answer: RawAnswer): string {
  let message = '';
  try {
    const parsed = JSON.parse(answer.body) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    message = '';
  }
  // eslint-disable-next-line no-control-regex -- control characters would forge log lines
  const oneLine = message.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, MAX_MESSAGE_CHARS);
  return oneLine || `HTTP ${answer.status}`;
}

function parseIssued(body: string): IssuedAgentCertificate | undefined {
  try {
    const parsed = JSON.parse(body) as Partial<IssuedAgentCertificate>;
    const isPem = (value: unknown) => typeof value === 'string' && value.includes('-----BEGIN CERTIFICATE-----');
    if (isPem(parsed.certificate) && isPem(parsed.caCertificate) && typeof parsed.notAfter === 'string') return parsed as IssuedAgentCertificate;
  } catch {
    return undefined;
  }
  return undefined;
}

/** POSTs ENROLL_PATH and RENEW_PATH to the tunnel endpoint over HTTPS (ALPN http/1.1). */
export class EnrollmentClient {
  private readonly target: URL;

  constructor(private readonly endpoint: TunnelEndpointAddress) {
    this.target = new URL(endpoint.url);
  }

  enroll(request: EnrollmentRequest): Promise<IssuedAgentCertificate> {
    return this.post(ENROLL_PATH, request, undefined, IdentityErrorCode.BootstrapTokenRefused);
  }

  renew(request: RenewalRequest, current: ClientCertificate): Promise<IssuedAgentCertificate> {
    return this.post(RENEW_PATH, request, current, IdentityErrorCode.IdentityRefused);
  }

  private async post(path: string, payload: object, client: ClientCertificate | undefined, refusal: IdentityErrorCode): Promise<IssuedAgentCertificate> {
    const answer = await this.send(path, JSON.stringify(payload), client);
    if (answer.status === 200) {
      const issued = parseIssued(answer.body);
      if (issued) return issued;
      throw new IdentityException(IdentityErrorCode.EndpointUnavailable, `the tunnel endpoint answered ${path} with something that is not a certificate`, 200);
    }
    const message = refusalMessage(answer);
    // 5xx and 429 say "not now"; every other refusal says "not with this token / certificate".
    if (answer.status >= 500 || answer.status === 429) {
      throw new IdentityException(IdentityErrorCode.EndpointUnavailable, `the tunnel endpoint answered ${answer.status}: ${message}`, answer.status);
    }
    throw new IdentityException(refusal, `the tunnel endpoint refused (${answer.status}): ${message}`, answer.status);
  }

  private send(path: string, body: string, client: ClientCertificate | undefined): Promise<RawAnswer> {
    const hostname = this.target.hostname.replace(/^\[|\]$/g, '');
    // node hands these options to tls.connect, ALPN included; @types/node leaves ALPN out of RequestOptions.
    const options: https.RequestOptions & Pick<ConnectionOptions, 'ALPNProtocols'> = {
      host: hostname,
      port: Number(this.target.port || 443),
      servername: isIP(hostname) ? undefined : hostname,
      method: 'POST',
      path,
      ca: this.endpoint.ca,
      cert: client?.certificatePem,
      key: client?.keyPem,
      ALPNProtocols: ['http/1.1'],
      // A fresh connection each time: renewal presents another client certificate than enrollment.
      agent: false,
      timeout: REQUEST_TIMEOUT_MS,
      headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
    };
    return new Promise((resolve, reject) => {
      const request = https.request(options, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            request.destroy(new Error(`answer larger than ${MAX_ANSWER_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', (error) => reject(this.unavailable(path, error)));
      });
      request.on('timeout', () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      request.on('error', (error) => reject(this.unavailable(path, error)));
      request.end(body);
    });
  }

  private unavailable(path: string, error: Error): IdentityException {
    return new IdentityException(IdentityErrorCode.EndpointUnavailable, `POST ${this.target.origin}${path} failed: ${error.message}`);
  }
}
