import { AGENT_INFO_PATH, AgentInfo } from '@portcullis/platform/tunnel';
import { constants, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Logger } from 'pino';
import { ApiServerRelay } from './api-server.relay';
import { respondWithStatus } from './kube-status';
import { pathnameOf, pathProblem } from './request-path';
import { UpgradeRelay } from './upgrade.relay';

/** Sends each stream the proxy opens on the tunnel where it belongs: an upgrade, the agent's info, or the API server. */
export class TunnelStreamRouter {
  private active = 0;

  constructor(
    private readonly info: AgentInfo,
    private readonly requests: ApiServerRelay,
    private readonly upgrades: UpgradeRelay,
    private readonly logger: Logger,
  ) {}

  /** Streams open now, of every kind. */
  get activeStreams(): number {
    return this.active;
  }

  route(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    this.active++;
    stream.once('close', () => this.active--);
    // A reset from the proxy surfaces as an error on the stream; the relays already react to its close.
    stream.on('error', (error) => this.logger.debug({ err: error }, 'tunnel stream error'));

    if (headers[constants.HTTP2_HEADER_METHOD] === 'CONNECT') {
      this.upgrades.relay(stream);
      return;
    }
    const rawPath = headers[constants.HTTP2_HEADER_PATH];
    const path = typeof rawPath === 'string' ? rawPath : undefined;
    const problem = pathProblem(path);
    if (problem || path === undefined) {
      respondWithStatus(stream, 400, 'BadRequest', `the Portcullis cluster agent refuses this request: ${problem}`);
      return;
    }
    if (pathnameOf(path) === AGENT_INFO_PATH) {
      this.answerInfo(stream, headers);
      return;
    }
    this.requests.forward(stream, headers);
  }

  private answerInfo(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    if (headers[constants.HTTP2_HEADER_METHOD] !== 'GET') {
      respondWithStatus(stream, 405, 'MethodNotAllowed', `${AGENT_INFO_PATH} answers GET only`);
      return;
    }
    const body = JSON.stringify(this.info);
    stream.respond({ [constants.HTTP2_HEADER_STATUS]: 200, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    stream.end(body);
    stream.resume();
  }
}
