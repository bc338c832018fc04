/*
 * Trust model of forwarding to other replicas (a request whose cluster's tunnel another replica holds).
 * - Trusts: a peer only when its certificate chains to the service CA and names `proxy` (CN);
 *   its address comes from the presence bucket, its identity from TLS alone.
 * - Sends: the request as the data plane prepared it (the person's JIT token, nothing the client
 *   chose), authenticated with this replica's service certificate. One hop only: the holder
 *   serves peers from its own tunnel and never forwards again.
 */
import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@portcullis/platform/service';
import fs from 'node:fs';
import http2, { ClientHttp2Session, ClientHttp2Stream, OutgoingHttpHeaders } from 'node:http2';
import type { PeerCertificate } from 'node:tls';
import { ProxyConfig } from '../config/proxy.config';

/** CN of the proxies' service certificates. */
export const PROXY_SERVICE_NAME = 'proxy';

@Injectable()
export class PeerRelays implements BeforeApplicationShutdown {
  private readonly sessions = new Map<string, ClientHttp2Session>();
  private readonly credentials?: { ca: Buffer; cert: Buffer; key: Buffer };

  constructor(@Inject(SERVICE_CONFIG) config: ProxyConfig) {
    const { SERVICE_CA_CERT_FILE, SERVICE_CERT_FILE, SERVICE_KEY_FILE } = config;
    if (SERVICE_CA_CERT_FILE && SERVICE_CERT_FILE && SERVICE_KEY_FILE) {
      this.credentials = { ca: fs.readFileSync(SERVICE_CA_CERT_FILE), cert: fs.readFileSync(SERVICE_CERT_FILE), key: fs.readFileSync(SERVICE_KEY_FILE) };
    }
  }

  get enabled(): boolean {
    return this.credentials !== undefined;
  }

  open(relayUrl: string, cluster: string, headers: OutgoingHttpHeaders, endStream: boolean): ClientHttp2Stream {
    return this.session(relayUrl).request({ ...headers, ':path': `/clusters/${cluster}${String(headers[':path'] ?? '/')}` }, { endStream });
  }

  openRaw(relayUrl: string, cluster: string): ClientHttp2Stream {
    return this.session(relayUrl).request({ ':method': 'CONNECT', ':authority': `${cluster}:443` });
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const session of this.sessions.values()) session.destroy();
    this.sessions.clear();
  }

  private session(relayUrl: string): ClientHttp2Session {
    const existing = this.sessions.get(relayUrl);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    if (!this.credentials) throw new Error('no service certificate: this replica cannot reach its peers');
    const session = http2.connect(relayUrl, {
      ...this.credentials,
      // Replicas are addressed by pod IP, which no certificate names: the peer is whoever holds a
      // service certificate for `proxy`.
      checkServerIdentity: (_host: string, certificate: PeerCertificate) =>
        certificate.subject?.CN === PROXY_SERVICE_NAME ? undefined : new Error(`the relay at ${relayUrl} is not a Portcullis proxy`),
      settings: { enablePush: false },
      maxSessionMemory: 64,
    });
    session.on('error', () => undefined);
    session.once('close', () => {
      if (this.sessions.get(relayUrl) === session) this.sessions.delete(relayUrl);
    });
    this.sessions.set(relayUrl, session);
    return session;
  }
}
