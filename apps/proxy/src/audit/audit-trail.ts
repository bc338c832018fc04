import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { PROXY_REQUEST_BATCH_MAX, ProxyRequestBatchV1, ProxyRequestV1 } from '@portcullis/contracts';
import { EventPublisher, MessagingConnection } from '@portcullis/platform/messaging';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ProxyConfig } from '../config/proxy.config';
import { ProxyMetrics } from '../metrics/proxy-metrics';

// A batch waits this long for company once its first event is queued: under light load events
// still leave within a tenth of the live feed's one second, under heavy load batches fill first.
// Each publish costs the proxy about as much CPU as several requests (a JetStream round trip,
// encoding, an acknowledgement): at the rates teams produce, 20 ms batches made it a large part
// of the proxy's cost per request.
const LINGER_MS = 100;
// Well under NATS' default 1 MiB max_payload, whatever the paths and user agents hold.
const MAX_BATCH_BYTES = 512 * 1024;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2_000;
const HEALTH_CHECK_MS = 500;
const DROP_LOG_INTERVAL_MS = 10_000;
const SHUTDOWN_FLUSH_MS = 5_000;

/** One message's worth of request events, serialised once: a retry re-sends the same bytes under the same id. */
interface PendingBatch {
  id: string;
  json: string;
  events: number;
}

/**
 * The request events on their way to JetStream. The request path only appends to a bounded
 * in-memory buffer (never waits); a background loop publishes them in batches
 * (ProxyRequestBatchV1, one JetStream message for up to PROXY_REQUEST_BATCH_MAX requests), and
 * keeps retrying while JetStream is unavailable, so an outage costs memory, not events, until the
 * buffer is full.
 */
@Injectable()
export class AuditTrail implements OnApplicationBootstrap {
  private queue: ProxyRequestV1[] = [];
  private head = 0;
  /** The batch being published (or retried); it leaves only once JetStream has acknowledged it. */
  private pending?: PendingBatch;
  private readonly capacity: number;
  private readonly failClosed: boolean;
  private wake?: () => void;
  /** The loop's wait ends once this many events are queued (1 when idle, a full batch while lingering). */
  private wakeWhenQueued = 1;
  private running = false;
  private flushing = false;
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
    return this.queued + (this.pending?.events ?? 0);
  }

  private get queued(): number {
    return this.queue.length - this.head;
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
    if (this.queued >= this.wakeWhenQueued) this.wakeLoop();
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
    this.flushing = true;
    this.wakeLoop();
    const deadline = Date.now() + SHUTDOWN_FLUSH_MS;
    while (this.depth > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    this.running = false;
    this.wakeLoop();
    await this.loop;
    if (this.depth > 0) this.logger.error({ lost: this.depth }, 'stopping with request events not yet published');
  }

  private wakeLoop(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Waits until `events` are queued, the loop is told to stop or flush, or `ms` passed. */
  private waitForEvents(events: number, ms?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(() => this.wakeLoop(), ms);
      this.wakeWhenQueued = events;
      this.wake = () => {
        clearTimeout(timer);
        this.wakeWhenQueued = 1;
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (this.running || (this.depth > 0 && !this.failing)) {
      if (!this.pending) {
        if (this.queued === 0) {
          if (!this.running) return;
          await this.waitForEvents(1);
          continue;
        }
        if (this.running && !this.flushing && this.queued < PROXY_REQUEST_BATCH_MAX) await this.waitForEvents(PROXY_REQUEST_BATCH_MAX, LINGER_MS);
        this.pending = this.takeBatch();
        if (!this.pending) continue;
      }
      if (await this.send(this.pending)) {
        if (this.failing) this.logger.info('request events are being published again');
        this.failing = false;
        this.pending = undefined;
        delay = RETRY_MIN_MS;
        continue;
      }
      if (!this.failing) this.logger.warn({ pending: this.depth }, 'cannot publish request events; holding them and retrying');
      this.failing = true;
      if (!this.running) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }

  /**
   * The next batch, serialised once. Events are not validated here: RequestRecord builds every one
   * within the schema (request-record.spec.ts holds it to that), and validating each cost more
   * allocation than any other step of the proxy's own per-request work.
   */
  private takeBatch(): PendingBatch | undefined {
    const parts: string[] = [];
    let bytes = 0;
    while (this.queued > 0 && parts.length < PROXY_REQUEST_BATCH_MAX) {
      const json = JSON.stringify(this.queue[this.head]);
      if (parts.length > 0 && bytes + json.length > MAX_BATCH_BYTES) break;
      this.head++;
      parts.push(json);
      bytes += json.length + 1;
    }
    this.compact();
    if (parts.length === 0) return undefined;
    const id = randomUUID();
    const envelope: Omit<ProxyRequestBatchV1, 'requests'> = { id, occurredAt: new Date().toISOString() };
    return { id, events: parts.length, json: `${JSON.stringify(envelope).slice(0, -1)},"requests":[${parts.join(',')}]}` };
  }

  /** Drops what was taken now and then instead of shifting on every take. */
  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 4_096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private async send(batch: PendingBatch): Promise<boolean> {
    try {
      // Untraced: a publish from this background loop would start a trace of its own; each event
      // carries its request's traceId instead.
      await context.with(suppressTracing(context.active()), () =>
        this.publisher.publishSerialized(ProxyRequestBatchV1.subject, ProxyRequestBatchV1.schemaName, batch.id, batch.json),
      );
      return true;
    } catch (error) {
      if (!this.failing) this.logger.debug({ err: error }, 'publishing a request batch failed');
      return false;
    }
  }
}
