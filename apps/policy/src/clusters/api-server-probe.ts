import https from 'node:https';
import { ClusterCredential } from './cluster-credential';
import { ClusterErrorCode, ClusterException } from './cluster.exception';

export interface ProbeTarget {
  server: string;
  caBundle: string | null;
  credential: ClusterCredential;
}

const MAX_BODY_BYTES = 64 * 1024;

/**
 * Checks that a cluster's API server answers `GET /api` with the management credential,
 * verifying its certificate against the registered CA bundle (or the system's CAs). A failure
 * names the stage that failed: the network, TLS, the credential, or an answer that is not
 * Kubernetes. Never puts the credential in a message.
 */
export class ApiServerProbe {
  constructor(private readonly timeoutMs: number) {}

  async check(target: ProbeTarget): Promise<void> {
    const url = new URL(`${target.server}/api`);
    const { status, body } = await this.get(url, target);
    if (status === 401 || status === 403) {
      throw new ClusterException(
        ClusterErrorCode.CredentialRejected,
        `the API server at ${target.server} rejected the credential: HTTP ${status}${statusMessage(body)}`,
      );
    }
    if (status !== 200) {
      throw new ClusterException(ClusterErrorCode.UnexpectedAnswer, `the API server at ${target.server} answered GET /api with HTTP ${status}${statusMessage(body)}`);
    }
    if (parseJson(body)?.['kind'] !== 'APIVersions') {
      throw new ClusterException(ClusterErrorCode.UnexpectedAnswer, `${target.server} answered GET /api, but not like a Kubernetes API server`);
    }
  }

  private get(url: URL, target: ProbeTarget): Promise<{ status: number; body: string }> {
    const credential = target.credential;
    return new Promise((resolve, reject) => {
      let stage: ConnectionStage = 'connecting';
      const request = https.request(url, {
        method: 'GET',
        agent: false,
        ca: target.caBundle ?? undefined,
        cert: credential.kind === 'client-certificate' ? credential.clientCertificate : undefined,
        key: credential.kind === 'client-certificate' ? credential.clientKey : undefined,
        headers: { accept: 'application/json', ...(credential.kind === 'token' ? { authorization: `Bearer ${credential.token}` } : {}) },
        timeout: this.timeoutMs,
      });
      request.on('socket', (socket) => {
        socket.once('connect', () => (stage = 'handshaking'));
        socket.once('secureConnect', () => (stage = 'secured'));
      });
      request.on('timeout', () => request.destroy(new ProbeTimeout()));
      request.on('error', (error: NodeJS.ErrnoException) => reject(this.explain(error, stage, target.server)));
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_BODY_BYTES) chunks.push(chunk);
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', (error) => reject(this.explain(error, 'secured', target.server)));
      });
      request.end();
    });
  }

  private explain(error: NodeJS.ErrnoException, stage: ConnectionStage, server: string): ClusterException {
    const reason = error.code ?? error.message;
    if (error instanceof ProbeTimeout) {
      return new ClusterException(ClusterErrorCode.Unreachable, `the API server at ${server} did not answer within ${this.timeoutMs} ms`);
    }
    switch (stage) {
      case 'connecting':
        return new ClusterException(ClusterErrorCode.Unreachable, `the API server at ${server} is unreachable: ${reason}`);
      case 'handshaking':
        // The certificate chain, the host name or the protocol: TLS is what went wrong.
        return new ClusterException(ClusterErrorCode.TlsFailed, `TLS with the API server at ${server} failed: ${reason}`);
      case 'secured':
        return new ClusterException(ClusterErrorCode.UnexpectedAnswer, `the connection to the API server at ${server} failed: ${reason}`);
    }
  }
}

type ConnectionStage = 'connecting' | 'handshaking' | 'secured';

class ProbeTimeout extends Error {}

function parseJson(body: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A Kubernetes Status message, when the answer carries one. */
function statusMessage(body: string): string {
  const message = parseJson(body)?.['message'];
  return typeof message === 'string' && message ? ` (${message.slice(0, 200)})` : '';
}
