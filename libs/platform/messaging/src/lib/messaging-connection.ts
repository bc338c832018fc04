import { connect, NodeConnectionOptions } from '@nats-io/transport-node';
import { credsAuthenticator, errors, NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import fs from 'node:fs';
import { MessagingLogger, silentLogger } from './messaging-logger';

/** How a process proves who it is to NATS. Without any it connects anonymously (the local stack). */
export type MessagingCredentials =
  | { user: string; password: string }
  | { token: string }
  /** A user credentials file (user JWT and NKey seed), as NATS operator/account mode issues them. */
  | { credsFile: string };

export interface MessagingConnectionOptions {
  /** The seed server's nats:// or tls:// URL, or several (a cluster's); the client learns the others from them. */
  url: string | readonly string[];
  /** Shown in the NATS server's connection list; use the service name. */
  name: string;
  credentials?: MessagingCredentials;
  /** A PEM file with the CA certificate of the servers' certificates. Setting it requires TLS. */
  caFile?: string;
  /** Told, now and then, while the first connection waits for a broker that does not answer yet. */
  logger?: MessagingLogger;
  /** Copies of each stream and bucket this process creates (default 1: a single server). */
  jetStreamReplicas?: number;
}

/** A broker answered and refused this process (credentials or TLS): waiting would not change its answer. */
export class MessagingConnectionRefusedError extends Error {
  constructor(
    readonly servers: string[],
    readonly reason: 'credentials' | 'tls',
    cause: unknown,
  ) {
    const what = reason === 'credentials' ? 'refused the credentials' : 'failed TLS';
    super(`NATS at ${servers.join(',')} ${what}: ${messageOf(cause)}`, { cause });
    this.name = 'MessagingConnectionRefusedError';
  }
}

const FIRST_CONNECT_RETRY_MS = 250;
const FIRST_CONNECT_LOG_EVERY_MS = 10_000;

/** The options handed to the NATS client; apart from the first connection, they are the whole policy. */
export function natsConnectOptions(options: MessagingConnectionOptions): NodeConnectionOptions & { servers: string[] } {
  const servers = typeof options.url === 'string' ? [options.url] : [...options.url];
  // A tls:// URL alone does not make the client insist: it upgrades only when the server offers
  // TLS, so anything answering in its place would get the credentials in clear. Asking for TLS does.
  const requireTls = options.caFile !== undefined || servers.some((server) => /^tls:\/\//i.test(server));
  return {
    servers,
    name: options.name,
    ...credentialOptions(options.credentials),
    ...(requireTls ? { tls: options.caFile === undefined ? {} : { caFile: options.caFile } } : {}),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    pingInterval: 10_000,
    // By default the client gives up for good after two refusals in a row, even once connected, and
    // a closed connection never comes back. Retrying lets a rotated .creds file count at the next attempt.
    ignoreAuthErrorAbort: true,
  };
}

function credentialOptions(credentials: MessagingCredentials | undefined): NodeConnectionOptions {
  if (credentials === undefined) return {};
  if ('credsFile' in credentials) {
    const file = credentials.credsFile;
    // Read at every connection, so a rotated Secret counts from the next reconnect, not the next restart.
    return { authenticator: credsAuthenticator(() => fs.readFileSync(file)) };
  }
  if ('token' in credentials) return { token: credentials.token };
  return { user: credentials.user, pass: credentials.password };
}

// Node names a certificate it cannot verify after OpenSSL's X509_V_ERR_* codes.
const certificateErrorCodes = new Set([
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_CRL', 'UNABLE_TO_DECRYPT_CERT_SIGNATURE', 'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY', 'CERT_SIGNATURE_FAILURE', 'CRL_SIGNATURE_FAILURE', 'CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID', 'CRL_HAS_EXPIRED', 'ERROR_IN_CERT_NOT_BEFORE_FIELD', 'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD', 'ERROR_IN_CRL_NEXT_UPDATE_FIELD', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_CHAIN_TOO_LONG', 'CERT_REVOKED', 'INVALID_CA',
  'PATH_LENGTH_EXCEEDED', 'INVALID_PURPOSE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'HOSTNAME_MISMATCH',
]);

// Not `instanceof Error`: errors from Node's own modules fail it inside jest's sandbox.
function messageOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
}

/** Why a broker refused this process for good, or undefined when it may answer differently soon. */
function refusalOf(error: unknown): MessagingConnectionRefusedError['reason'] | undefined {
  if (error instanceof errors.AuthorizationError || error instanceof errors.UserAuthenticationExpiredError) return 'credentials';
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (typeof code === 'string' && (certificateErrorCodes.has(code) || /^ERR_(TLS|SSL)_/.test(code))) return 'tls';
  // TLS required here but not offered there: the client says so in words only.
  if ((error instanceof errors.ConnectionError || error instanceof errors.InvalidArgumentError) && /\btls\b/i.test(error.message)) return 'tls';
  return undefined;
}

/**
 * The first connection waits for a broker that does not answer yet (both rolled out together),
 * like the client's waitOnFirstConnect, which also retries a broker that refuses the credentials
 * or the TLS handshake, silently and forever. This one gives up on those at once.
 */
async function connectWhenReachable(options: NodeConnectionOptions & { servers: string[] }, logger: MessagingLogger): Promise<NatsConnection> {
  const { servers } = options;
  let loggedAt = 0;
  for (;;) {
    try {
      return await connect(options);
    } catch (error) {
      const reason = refusalOf(error);
      if (reason !== undefined) throw new MessagingConnectionRefusedError(servers, reason, error);
      if (Date.now() - loggedAt >= FIRST_CONNECT_LOG_EVERY_MS) {
        loggedAt = Date.now();
        logger.warn({ servers, error: messageOf(error) }, 'NATS does not answer yet; retrying');
      }
      await new Promise((resolve) => setTimeout(resolve, FIRST_CONNECT_RETRY_MS));
    }
  }
}

/**
 * The one NATS connection of a process. Once connected it reconnects forever: a broker restart
 * must cost readiness, never the process.
 */
export class MessagingConnection {
  private connected = true;

  private constructor(
    readonly nats: NatsConnection,
    readonly jetstream: JetStreamClient,
    readonly jetstreamManager: JetStreamManager,
    readonly jetStreamReplicas: number,
  ) {
    void this.trackStatus();
  }

  static async open(options: MessagingConnectionOptions): Promise<MessagingConnection> {
    const connectOptions = natsConnectOptions(options);
    const nats = await connectWhenReachable(connectOptions, options.logger ?? silentLogger);
    // JetStream may not answer yet (a cluster still electing its leader): fail without leaving
    // the connection open behind the error.
    const manager = await jetstreamManager(nats).catch(async (error: unknown) => {
      await nats.close();
      throw error;
    });
    return new MessagingConnection(nats, jetstream(nats), manager, options.jetStreamReplicas ?? 1);
  }

  private async trackStatus(): Promise<void> {
    for await (const status of this.nats.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnecting' || status.type === 'staleConnection') {
        this.connected = false;
      } else if (status.type === 'reconnect') {
        this.connected = true;
      }
    }
  }

  /** True while the broker answers a round trip within `timeoutMs`. */
  async isHealthy(timeoutMs = 1_000): Promise<boolean> {
    if (this.nats.isClosed() || !this.connected) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.nats.flush().then(() => true, () => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.nats.isClosed()) return;
    await this.nats.drain().catch(() => this.nats.close());
  }
}
