import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeObject, UserInfo } from '../api/kube-object';
import type { RequestInfoParser } from '../api/request-info-parser';
import { StatusError } from '../api/status-error';
import type { AccessLog } from '../access-log';
import type { Clock } from '../clock';
import type { ObjectStore } from '../store/object-store';
import { handlePodUpgrade, type PodStreamKind, type PodStreamTarget } from '../streaming';
import { AccessDenied, type AccessControl } from './access-control';

// HTTP/1.1 upgrades (WebSocket GET, SPDY/3.1 POST) to pods/exec, pods/attach and pods/portforward:
// authenticated and authorized like any request, then handed to the streaming module. A WebSocket
// GET also needs `create` on the subresource (AuthorizePodWebsocketUpgradeCreatePermission, on by
// default since Kubernetes 1.35), matching what the SPDY POST always needed.

export const PORTS_ANNOTATION = 'emulator.portcullis.dev/ports';
const STREAM_KINDS = new Set<PodStreamKind>(['exec', 'attach', 'portforward']);

export class PodUpgradeHandler {
  constructor(
    private readonly parser: RequestInfoParser,
    private readonly access: AccessControl,
    private readonly store: ObjectStore,
    private readonly accessLog: AccessLog,
    private readonly clock: Clock,
  ) {}

  async handle(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'https://emulator.invalid');
    const method = req.method ?? 'GET';
    const info = this.parser.parse(method, url.pathname, url.searchParams);
    const outcome = { time: this.clock.date(), method, path: url.pathname, info };
    let identity: { user?: UserInfo; impersonator?: string } = {};
    try {
      const admission = await this.access.admit(req.headers, socket, info, (name) => req.headersDistinct[name] ?? []);
      identity = { user: admission.user, impersonator: admission.impersonator };
      const kind = info.subresource as PodStreamKind;
      if (!info.isResourceRequest || info.apiGroup !== '' || info.resource !== 'pods' || !STREAM_KINDS.has(kind) || !info.namespace) {
        throw StatusError.badRequest('upgrade requests are only served for pods/exec, pods/attach and pods/portforward');
      }
      if (method === 'GET') {
        const create = this.access.check(admission.user, info, 'create');
        if (!create.allowed) throw new AccessDenied(create.error, admission.user, admission.impersonator);
      }
      const pod = this.store.get('/pods', info.namespace, info.name);
      if (!pod) throw StatusError.notFound({ group: '', resource: 'pods' }, info.name);
      this.accessLog.record({ ...outcome, ...identity, decision: 'allow', reason: admission.reason, code: 101 });
      handlePodUpgrade(req, socket, head, kind, streamTarget(pod.object), url.searchParams);
    } catch (e) {
      if (e instanceof AccessDenied) identity = { user: e.user, impersonator: e.impersonator };
      const error = e instanceof AccessDenied ? e.error : e instanceof StatusError ? e : StatusError.internal((e as Error).message);
      const denied = error.code === 401 || error.code === 403;
      this.accessLog.record({ ...outcome, ...identity, decision: denied ? 'deny' : 'allow', reason: denied ? error.message : undefined, code: error.code });
      refuse(socket, error);
    }
  }
}

/** What the streaming module needs to know about a pod. */
export function streamTarget(pod: KubeObject): PodStreamTarget {
  const containers = ((pod.spec as { containers?: Array<{ name: string; env?: Array<{ name: string; value?: string }> }> }).containers ?? []);
  const env: Record<string, string> = {};
  for (const e of containers[0]?.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  const ports: PodStreamTarget['ports'] = {};
  for (const entry of (pod.metadata.annotations?.[PORTS_ANNOTATION] ?? '').split(',')) {
    const m = /^\s*(\d+)\s*=\s*(.+):(\d+)\s*$/.exec(entry);
    if (m) ports[Number(m[1])] = { host: m[2], port: Number(m[3]) };
  }
  return { namespace: pod.metadata.namespace!, pod: pod.metadata.name!, containers: containers.map((c) => c.name), env, ports };
}

function refuse(socket: Duplex, error: StatusError): void {
  const body = JSON.stringify(error.toStatus());
  socket.end(
    `HTTP/1.1 ${error.code} ${STATUS_CODES[error.code] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
