/*
 * Trust model of the proxy's authentication.
 * - Trusts: the kubeconfig CA certificate from its configuration, and nothing else: no bearer
 *   token, no header, no other CA (not even the system roots) can make a request authenticated.
 * - Verifies, locally and without a database: the TLS chain to that CA (OpenSSL, at handshake),
 *   that the certificate was issued directly by it, is a client-authentication leaf, carries
 *   exactly one CN (the user id) and one `urn:portcullis:kubeconfig:<uuid>` URI, and is within
 *   its validity period. The groups are the O values the issuer signed (a snapshot).
 * - Never holds: any private key of a client, or the CA's key.
 */
// @peculiar/x509 2 resolves its parsers through tsyringe, which needs the Reflect polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { ProxyErrorCode } from '../errors/proxy.exception';

export const KUBECONFIG_URI_PREFIX = 'urn:portcullis:kubeconfig:';
const CLIENT_AUTH_EKU = '1.3.6.1.5.5.7.3.2';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Parsing a certificate's names costs milliseconds; kubectl opens a connection per command.
const INSPECTED_CACHE_SIZE = 10_000;

/** A person as their kubeconfig credential names them. */
export interface KubeconfigCredential {
  kubeconfigId: string;
  userId: string;
  groups: string[];
  notBefore: number;
  notAfter: number;
}

/** The outcome of the TLS handshake's certificate, decided once per connection. */
export type ConnectionIdentity = { ok: true; credential: KubeconfigCredential } | { ok: false; code: ProxyErrorCode; reason: string };

function refused(code: ProxyErrorCode, reason: string): ConnectionIdentity {
  return { ok: false, code, reason };
}

export class ClientCertificateVerifier {
  private readonly ca: X509Certificate;
  /** What `inspect` found, by certificate fingerprint: it depends on the certificate alone. */
  private readonly inspected = new Map<string, ConnectionIdentity>();

  constructor(caPem: string | Buffer) {
    this.ca = new X509Certificate(caPem);
  }

  /** Reads the peer certificate of a finished handshake (the server asks for one and lets any through). */
  identify(socket: TLSSocket): ConnectionIdentity {
    const peer = socket.getPeerX509Certificate();
    if (!peer) return refused(ProxyErrorCode.CredentialMissing, 'no client certificate was presented; use the kubeconfig from the Portcullis portal');
    if (!socket.authorized) {
      const error = String(socket.authorizationError ?? '');
      if (error === 'CERT_HAS_EXPIRED') return refused(ProxyErrorCode.CredentialExpired, 'the kubeconfig credential has expired; download a new kubeconfig');
      if (error === 'CERT_NOT_YET_VALID') return refused(ProxyErrorCode.CredentialInvalid, 'the client certificate is not valid yet');
      if (error === 'INVALID_PURPOSE') return refused(ProxyErrorCode.CredentialInvalid, 'the client certificate is not for client authentication');
      return refused(ProxyErrorCode.CredentialInvalid, 'the client certificate was not issued by Portcullis');
    }
    const fingerprint = peer.fingerprint256;
    let identity = this.inspected.get(fingerprint);
    if (!identity) {
      identity = this.inspect(peer);
      if (this.inspected.size >= INSPECTED_CACHE_SIZE) this.inspected.clear();
      this.inspected.set(fingerprint, identity);
    }
    return identity;
  }

  /** The checks beyond the chain; public for the unit tests, which build certificates without a handshake. */
  inspect(peer: X509Certificate): ConnectionIdentity {
    const invalid = (reason: string) => refused(ProxyErrorCode.CredentialInvalid, reason);
    if (!peer.checkIssued(this.ca) || !peer.verify(this.ca.publicKey)) return invalid('the client certificate was not issued by Portcullis');
    if (peer.ca) return invalid('a CA certificate is not a client credential');
    if (!(peer.keyUsage ?? []).includes(CLIENT_AUTH_EKU)) return invalid('the client certificate is not for client authentication');

    const parsed = new x509.X509Certificate(peer.raw);
    const commonNames = parsed.subjectName.getField('CN');
    if (commonNames.length !== 1 || commonNames[0] === '') return invalid('the client certificate must name exactly one user');
    const groups = parsed.subjectName.getField('O');
    const names = parsed.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
    const kubeconfigUris = names.filter((name) => name.type === 'url' && name.value.startsWith(KUBECONFIG_URI_PREFIX));
    const kubeconfigId = kubeconfigUris.length === 1 ? kubeconfigUris[0].value.slice(KUBECONFIG_URI_PREFIX.length) : '';
    if (!UUID.test(kubeconfigId)) return invalid('the client certificate does not identify a Portcullis kubeconfig');

    const notBefore = Date.parse(peer.validFrom);
    const notAfter = Date.parse(peer.validTo);
    return { ok: true, credential: { kubeconfigId: kubeconfigId.toLowerCase(), userId: commonNames[0], groups, notBefore, notAfter } };
  }
}
