import { Controller, Get, Header, Inject, Injectable, NestMiddleware, OnModuleDestroy } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { NextFunction, Request, Response } from 'express';
import { SERVICE_NAME } from './platform.tokens';

/** One registry per service instance, so several instances in one test process do not collide. */
/** How often the event-loop delay is sampled: often enough to catch a GC pause, cheap at 50 timers a second. */
const EVENT_LOOP_SAMPLE_MS = 20;

@Injectable()
export class MetricsRegistry implements OnModuleDestroy {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly eventLoopDelay: Histogram;
  private readonly eventLoopSampler: NodeJS.Timeout;

  constructor(@Inject(SERVICE_NAME) service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP requests served, by route template',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    // A histogram, unlike prom-client's default event-loop gauges, adds up across replicas and
    // scrapes: the tail of every request a process serves includes the delay its callbacks waited.
    this.eventLoopDelay = new Histogram({
      name: 'nodejs_eventloop_delay_seconds',
      help: `How late a timer due every ${EVENT_LOOP_SAMPLE_MS} ms ran: the wait any callback ready at that moment had (GC pauses, long synchronous work)`,
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [this.registry],
    });
    let due = performance.now() + EVENT_LOOP_SAMPLE_MS;
    this.eventLoopSampler = setInterval(() => {
      const now = performance.now();
      this.eventLoopDelay.observe(Math.max(0, now - due) / 1000);
      due = now + EVENT_LOOP_SAMPLE_MS;
    }, EVENT_LOOP_SAMPLE_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.eventLoopSampler);
  }
}

@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsRegistry) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const stop = this.metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => {
      // The route template, not the raw path: raw paths would make unbounded label values.
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      stop({ route, status: String(res.statusCode) });
    });
    next();
  }
}

@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
