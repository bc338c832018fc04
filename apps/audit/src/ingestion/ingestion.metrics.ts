import { Injectable } from '@nestjs/common';
import { ConsumerBacklog } from '@portcullis/platform/messaging';
import { MetricsRegistry } from '@portcullis/platform/service';
import { Counter, Gauge, Histogram } from 'prom-client';

export interface BacklogSource {
  durable: string;
  backlog(): Promise<ConsumerBacklog>;
}

const BACKLOG_TIMEOUT_MS = 1_000;

/** audit_consumer_lag_messages, audit_batch_insert_seconds, audit_events_stored_total. */
@Injectable()
export class IngestionMetrics {
  readonly batchInsertSeconds: Histogram;
  readonly eventsStored: Counter<'kind'>;
  private readonly sources: BacklogSource[] = [];

  constructor(metrics: MetricsRegistry) {
    const sources = this.sources;
    this.batchInsertSeconds = new Histogram({
      name: 'audit_batch_insert_seconds',
      help: 'Time to store one batch of events (chain, INSERT, commit)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [metrics.registry],
    });
    this.eventsStored = new Counter({
      name: 'audit_events_stored_total',
      help: 'Events stored in the trail (redeliveries of stored events not counted)',
      labelNames: ['kind'],
      registers: [metrics.registry],
    });
    new Gauge({
      name: 'audit_consumer_lag_messages',
      help: 'Messages in the stream not yet delivered to the durable consumer (num_pending)',
      labelNames: ['consumer'],
      registers: [metrics.registry],
      // Asked at scrape time; a broker that does not answer leaves the last value rather than stall the scrape.
      async collect() {
        await Promise.all(
          sources.map(async (source) => {
            let timer: NodeJS.Timeout | undefined;
            const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), BACKLOG_TIMEOUT_MS)));
            const backlog = await Promise.race([source.backlog().catch(() => null), timeout]);
            clearTimeout(timer);
            if (backlog) this.set({ consumer: source.durable }, backlog.pending);
          }),
        );
      },
    });
  }

  watch(source: BacklogSource): void {
    this.sources.push(source);
  }
}
