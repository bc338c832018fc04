import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { ProxyRequestV1, Subjects } from '@portcullis/contracts';
import { EventPublisher, InvalidEventError, MessagingConnection } from '@portcullis/platform/messaging';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import type { Logger } from 'pino';
import { ProxyConfig } from '../config/proxy.config';
import { ProxyMetrics } from '../metrics/proxy-metrics';

// Publishes in flight at once: enough to keep JetStream's acks pipelined at thousands of events a second.
const BATCH_SIZE = 256;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2_000;
const HEALTH_CHECK_MS = 500;
const DROP_LOG_INTERVAL_MS = 10_000;
const SHUTDOWN_FLUSH_MS = 5_000;

/**
 * The request events on their way to JetStream. The request path only appends to a bounded
 * in-memory buffer (never waits); a background loop publishes, and keeps retrying while
 * JetStream is unavailable, so an outage costs memory, not events, until the buffer is full.
 */
@Injectable()
export class AuditTrail implements OnApplicationBootstrap {
  private queue: ProxyRequestV1[] = [];
  private head = 0;
  /** Events of a failed batch, published again before the queue. */
  private retry: ProxyRequestV1[] = [];
  private readonly capacity: number;
  private readonly failClosed: boolean;
  private wake?: () => void;
  private running = false;
  private loop?: Promise<void>;
  private failing = false;
  private brokerReachable = true;
  private healthTimer?: NodeJS.Timeout;
  private droppedSinceLog = 0;
  private lastDropLog = 0;
  private readonly logger: Logger;

  constructor(
    private readonly publisher: EventPublisher,
    private readonly messaging: MessagingConnection,
    private readonly metrics: ProxyMetrics,
    @Inject(SERVICE_CONFIG) config: ProxyConfig,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.capacity = config.AUDIT_BUFFER_EVENTS;
    this.failClosed = config.AUDIT_FAIL_MODE === 'closed';
    this.logger = rootLogger.child({ component: 'audit-trail' });
    metrics.observe({ auditDepth: () => this.depth });
  }

  get depth(): number {
    return this.queue.length - this.head + this.retry.length;
  }

  /**
   * False while events cannot be recorded (JetStream unreachable, publishing failing, or the
   * buffer full): with AUDIT_FAIL_MODE=closed the proxy then refuses new requests.
   */
  get acceptsRequests(): boolean {
    if (!this.failClosed) return true;
    return this.brokerReachable && !this.failing && this.depth < this.capacity;
  }

  /** Never blocks: queues the event, or counts it as dropped when the buffer is full. */
  record(event: ProxyRequestV1): void {
    if (this.depth >= this.capacity) {
      this.metrics.auditDropped.inc();
      this.droppedSinceLog++;
      const now = Date.now();
      if (now - this.lastDropLog >= DROP_LOG_INTERVAL_MS) {
        this.logger.error({ dropped: this.droppedSinceLog, capacity: this.capacity }, 'audit buffer full: request events dropped');
        this.droppedSinceLog = 0;
        this.lastDropLog = now;
      }
      return;
    }
    this.queue.push(event);
    this.wake?.();
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
    if (this.failClosed) {
      this.healthTimer = setInterval(() => {
        void this.messaging.isHealthy(HEALTH_CHECK_MS).then((healthy) => (this.brokerReachable = healthy));
      }, HEALTH_CHECK_MS);
      this.healthTimer.unref();
    }
  }

  /** Called by the data plane once it has drained: publishes what is left, for a bounded time. */
  async stop(): Promise<void> {
    clearInterval(this.healthTimer);
    const deadline = Date.now() + SHUTDOWN_FLUSH_MS;
    while (this.depth > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    this.running = false;
    this.wake?.();
    await this.loop;
    if (this.depth > 0) this.logger.error({ lost: this.depth }, 'stopping with request events not yet published');
  }

  private async run(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (this.running) {
      const batch = this.take();
      if (batch.length === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const failed = await this.publish(batch);
      if (failed.length === 0) {
        if (this.failing) this.logger.info('request events are being published again');
        this.failing = false;
        delay = RETRY_MIN_MS;
        continue;
      }
      if (!this.failing) this.logger.warn({ pending: this.depth + failed.length }, 'cannot publish request events; holding them and retrying');
      this.failing = true;
      this.retry = failed.concat(this.retry);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }

  private take(): ProxyRequestV1[] {
    if (this.retry.length > 0) return this.retry.splice(0, BATCH_SIZE);
    const batch = this.queue.slice(this.head, this.head + BATCH_SIZE);
    this.head += batch.length;
    // Compact now and then instead of shifting on every take.
    if (this.head > 4_096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  /** Returns the events that could not be published (to retry); invalid ones are logged and dropped. */
  private async publish(batch: ProxyRequestV1[]): Promise<ProxyRequestV1[]> {
    // Untraced: published from this background loop, each publish would start a trace of its own
    // (one per request, doubling span volume and CPU); the event carries its request's traceId.
    const untraced = suppressTracing(context.active());
    const results = await Promise.allSettled(batch.map((event) => context.with(untraced, () => this.publisher.publish(Subjects.proxyRequest, event))));
    const failed: ProxyRequestV1[] = [];
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') return;
      if (result.reason instanceof InvalidEventError) {
        this.logger.error({ err: result.reason, eventId: batch[index].id }, 'request event does not match its schema; dropped');
        return;
      }
      failed.push(batch[index]);
    });
    return failed;
  }
}
