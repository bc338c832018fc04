import { DynamicModule, Global, Inject, MiddlewareConsumer, Module, NestModule, OnApplicationShutdown } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ProcessConfig } from '@portcullis/platform/config';
import type { Logger } from 'pino';
import { HealthController } from './health.controller';
import { HttpMetricsMiddleware, MetricsController, MetricsRegistry } from './metrics';
import { ROOT_LOGGER, SERVICE_CONFIG, SERVICE_NAME } from './platform.tokens';
import { ReadinessChecks } from './readiness-checks';
import { createServiceLogger, serviceLoggerModule } from './service-logger';

export interface StandalonePlatformModuleOptions {
  service: string;
  config: ProcessConfig;
  /** Tests pass their own logger to read what the process logs; otherwise JSON lines on stdout. */
  logger?: Logger;
}

/**
 * What a Portcullis process has when it runs without PostgreSQL and NATS (the cluster agent, inside
 * managed clusters): config, JSON logs, /healthz, /readyz (the app's ReadinessChecks) and
 * /metrics. It provides the same tokens as PlatformModule, so feature code reads the same.
 */
@Global()
@Module({})
export class StandalonePlatformModule implements NestModule, OnApplicationShutdown {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  static forRoot(options: StandalonePlatformModuleOptions): DynamicModule {
    const rootLogger = options.logger ?? createServiceLogger(options.service, options.config.LOG_LEVEL);
    return {
      module: StandalonePlatformModule,
      imports: [serviceLoggerModule(rootLogger), TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_NAME, useValue: options.service },
        { provide: SERVICE_CONFIG, useValue: options.config },
        { provide: ROOT_LOGGER, useValue: rootLogger },
        MetricsRegistry,
        ReadinessChecks,
      ],
      exports: [SERVICE_NAME, SERVICE_CONFIG, ROOT_LOGGER, MetricsRegistry, ReadinessChecks],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }

  onApplicationShutdown(): void {
    this.logger.info('stopped');
  }
}
