import { connect } from '@nats-io/transport-node';
import { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, JetStreamClient, JetStreamManager } from '@nats-io/jetstream';

export interface MessagingConnectionOptions {
  url: string;
  /** Shown in the NATS server's connection list; use the service name. */
  name: string;
}

/**
 * The one NATS connection of a process. It reconnects forever: a broker restart must cost
 * readiness, never the process.
 */
export class MessagingConnection {
  private connected = true;

  private constructor(
    readonly nats: NatsConnection,
    readonly jetstream: JetStreamClient,
    readonly jetstreamManager: JetStreamManager,
  ) {
    void this.trackStatus();
  }

  static async open(options: MessagingConnectionOptions): Promise<MessagingConnection> {
    const nats = await connect({
      servers: options.url,
      name: options.name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      // Let a process start before the broker does (e.g. both rolled out together).
      waitOnFirstConnect: true,
      pingInterval: 10_000,
    });
    const manager = await jetstreamManager(nats);
    return new MessagingConnection(nats, jetstream(nats), manager);
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
