import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer, type WebSocket } from 'ws';
import { negotiateChannelProtocol, PORT_FORWARD_CHANNEL_PROTOCOLS, REMOTE_COMMAND_CHANNEL_PROTOCOLS } from './channel-protocol';
import { PodStreamRegistry } from './pod-stream-registry';
import type { PodStreamKind, PodStreamTarget } from './pod-stream-target';
import { SPDY_PORT_FORWARD_PROTOCOL, SpdyPortForward } from './spdy-port-forward';
import { SPDY_REMOTE_COMMAND_PROTOCOLS, SpdyRemoteCommand } from './spdy-remote-command';
import { parsePortForwardPorts, parseRemoteCommandOptions, StreamRequestError } from './stream-request';
import { offeredProtocols, refuseUpgrade, writeSpdyUpgrade } from './upgrade-response';
import { WebSocketPortForward } from './websocket-port-forward';
import { WebSocketRemoteCommand } from './websocket-remote-command';

export type { PodStreamKind, PodStreamTarget } from './pod-stream-target';

// kubectl's default port-forward: SPDY framed inside WebSocket binary messages.
const SPDY_TUNNEL_PROTOCOL = `SPDY/3.1+${SPDY_PORT_FORWARD_PROTOCOL}`;

const registry = new PodStreamRegistry();
// Subprotocols are negotiated here rather than by ws: ws rejects `SPDY/3.1+portforward.k8s.io`
// as an invalid token, and an upgrade with no acceptable protocol must be refused (so kubectl
// falls back to SPDY) instead of completed without one.
const chosenSubprotocols = new WeakMap<IncomingMessage, string>();
const webSockets = new WebSocketServer({ noServer: true, clientTracking: false, perMessageDeflate: false });
webSockets.on('headers', (headers, request) => {
  const subprotocol = chosenSubprotocols.get(request);
  if (subprotocol) headers.push(`Sec-WebSocket-Protocol: ${subprotocol}`);
});

/**
 * Serves pods/exec, pods/attach and pods/portforward on an HTTP/1.1 upgrade the core server
 * has already authenticated and authorized: WebSocket (GET, `Upgrade: websocket`) or SPDY/3.1
 * (POST, `Upgrade: SPDY/3.1`), in every form kubectl 1.32 and @kubernetes/client-node use.
 * A request that cannot be served is refused with a Status before any 101, so kubectl falls
 * back from WebSocket to SPDY the way it does against a real API server.
 */
export function handlePodUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  kind: PodStreamKind,
  target: PodStreamTarget,
  query: URLSearchParams,
): void {
  // Until a protocol takes the socket over, a reset must not become an uncaught error.
  socket.on('error', () => socket.destroy());
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  try {
    if (upgrade === 'websocket') upgradeWebSocket(req, socket, head, kind, target, query);
    else if (upgrade === 'spdy/3.1') upgradeSpdy(req, socket, head, kind, target, query);
    else throw new StreamRequestError(400, 'BadRequest', `unsupported upgrade protocol "${String(req.headers.upgrade ?? '')}"`);
  } catch (err) {
    if (!(err instanceof StreamRequestError)) throw err;
    refuseUpgrade(socket, err);
  }
}

/** Ends every open exec, attach and port-forward (the emulator is stopping). */
export function closeAllPodStreams(): void {
  registry.closeAll();
}

/** Ends the open streams of one pod, as a kubelet does when the pod is deleted. */
export function closePodStreams(namespace: string, pod: string): void {
  registry.closePod(namespace, pod);
}

function upgradeWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  kind: PodStreamKind,
  target: PodStreamTarget,
  query: URLSearchParams,
): void {
  const offered = offeredProtocols(req.headers['sec-websocket-protocol']);
  if (kind === 'portforward' && offered.includes(SPDY_TUNNEL_PROTOCOL)) {
    accept(req, socket, head, SPDY_TUNNEL_PROTOCOL, (ws) => registry.track(new SpdyPortForward(createWebSocketStream(ws), target)));
    return;
  }

  const supported = kind === 'portforward' ? PORT_FORWARD_CHANNEL_PROTOCOLS : REMOTE_COMMAND_CHANNEL_PROTOCOLS;
  const protocol = negotiateChannelProtocol(offered, supported);
  if (!protocol) {
    const names = supported.map((candidate) => candidate.name).filter(Boolean);
    throw new StreamRequestError(400, 'BadRequest', `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${names.join(' ')}]`);
  }
  if (kind === 'portforward') {
    const ports = parsePortForwardPorts(query);
    accept(req, socket, head, protocol.name, (ws) => run(new WebSocketPortForward(ws, protocol, ports, target)));
    return;
  }
  const options = parseRemoteCommandOptions(kind, query, target);
  accept(req, socket, head, protocol.name, (ws) => run(new WebSocketRemoteCommand(ws, protocol, kind, options, target)));
}

function upgradeSpdy(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  kind: PodStreamKind,
  target: PodStreamTarget,
  query: URLSearchParams,
): void {
  const offered = offeredProtocols(req.headers['x-stream-protocol-version']);
  const supported = kind === 'portforward' ? [SPDY_PORT_FORWARD_PROTOCOL] : SPDY_REMOTE_COMMAND_PROTOCOLS;
  // A client that offers nothing predates negotiation and gets the oldest protocol.
  const protocol = offered.length === 0 ? '' : offered.find((name) => supported.includes(name));
  if (protocol === undefined) {
    throw new StreamRequestError(
      403,
      'Forbidden',
      `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${supported.join(' ')}]`,
    );
  }
  if (kind === 'portforward') {
    switchToSpdy(socket, head, protocol);
    registry.track(new SpdyPortForward(socket, target));
    return;
  }
  const options = parseRemoteCommandOptions(kind, query, target);
  switchToSpdy(socket, head, protocol);
  registry.track(new SpdyRemoteCommand(socket, protocol, kind, options, target));
}

function switchToSpdy(socket: Duplex, head: Buffer, protocol: string): void {
  writeSpdyUpgrade(socket, protocol);
  // Bytes the client sent right after its request belong to the SPDY session.
  if (head.length > 0) socket.unshift(head);
}

function accept(req: IncomingMessage, socket: Duplex, head: Buffer, subprotocol: string, onOpen: (ws: WebSocket) => void): void {
  chosenSubprotocols.set(req, subprotocol);
  // Keeps ws from validating the offer itself (see chosenSubprotocols).
  delete req.headers['sec-websocket-protocol'];
  webSockets.handleUpgrade(req, socket, head, onOpen);
}

function run(stream: WebSocketPortForward | WebSocketRemoteCommand): void {
  registry.track(stream);
  void stream.run();
}
