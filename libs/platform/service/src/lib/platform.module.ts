import {
  DynamicModule,
  Global,
  Inject,
  MiddlewareConsumer,
  Module,
  NestModule,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { streamDefinitions } from '@portcullis/contracts';
import { ServiceConfig } from '@portcullis/platform/config';
import {
  ensureStreams,
  EventPublisher,
  MessagingConnection,
  Requester,
  Responder,
} from '@portcullis/platform/messaging';
import {
  isDatabaseHealthy,
  Outbox,
  OutboxRelay,
  ProcessedEventLog,
  runMigrations,
  serviceDataSourceOptions,
  ServiceDataSourceOptions,
} from '@portcullis/platform/persistence';
import { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { HealthController } from './health.controller';
import { messagingConnectionOptions } from './messaging-connection-options';
import { HttpMetricsMiddleware, MetricsController, MetricsRegistry } from './metrics';
import { ROOT_LOGGER, SERVICE_CONFIG, SERVICE_NAME } from './platform.tokens';
import { ReadinessChecks } from './readiness-checks';
import { createServiceLogger, serviceLoggerModule } from './service-logger';

export interface PlatformModuleOptions {
  service: string;
  config: ServiceConfig;
  entities: ServiceDataSourceOptions['entities'];
  migrations: ServiceDataSourceOptions['migrations'];
}

/**
 * What every Portcullis service has: config, JSON logs, PostgreSQL in its own schema with the
 * outbox, NATS with JetStream, health, readiness (apps add their own ReadinessChecks) and metrics.
 * Apps add only their features.
 */
@Global()
@Module({})
export class PlatformModule implements NestModule, OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly relay: OutboxRelay,
    private readonly responder: Responder,
    private readonly messaging: MessagingConnection,
  ) {}

  static forRoot(options: PlatformModuleOptions): DynamicModule {
    const { service, config } = options;
    const rootLogger = createServiceLogger(service, config.LOG_LEVEL);
    const schema = config.DATABASE_SCHEMA ?? service.replace(/-/g, '_');

    return {
      module: PlatformModule,
      imports: [
        serviceLoggerModule(rootLogger),
        TerminusModule.forRoot({ logger: false }),
        TypeOrmModule.forRootAsync({
          useFactory: () =>
            serviceDataSourceOptions({
              url: config.DATABASE_URL,
              schema,
              applicationName: `portcullis-${service}`,
              entities: options.entities,
              migrations: options.migrations,
            }),
          dataSourceFactory: async (dataSourceOptions) => {
            if (!dataSourceOptions) throw new Error('no DataSource options');
            const dataSource = await new DataSource(dataSourceOptions).initialize();
            if (config.DATABASE_MIGRATE_ON_START) {
              const applied = await runMigrations(dataSource);
              if (applied.length) rootLogger.info({ applied, schema }, 'migrations applied');
            }
            return dataSource;
          },
        }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_NAME, useValue: service },
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: ROOT_LOGGER, useValue: rootLogger },
        MetricsRegistry,
        {
          provide: MessagingConnection,
          useFactory: async () => {
            const connection = await MessagingConnection.open(
              messagingConnectionOptions(config, `portcullis-${service}`, rootLogger.child({ component: 'messaging' })),
            );
            await ensureStreams(connection.jetstreamManager, streamDefinitions, connection.jetStreamReplicas);
            return connection;
          },
        },
        { provide: EventPublisher, useFactory: (c: MessagingConnection) => new EventPublisher(c), inject: [MessagingConnection] },
        {
          provide: Requester,
          useFactory: (c: MessagingConnection) => new Requester(c, config.NATS_REQUEST_TIMEOUT_MS),
          inject: [MessagingConnection],
        },
        {
          provide: Responder,
          useFactory: (c: MessagingConnection) => new Responder(c, `portcullis-${service}`, rootLogger.child({ component: 'responder' })),
          inject: [MessagingConnection],
        },
        {
          provide: ReadinessChecks,
          useFactory: (dataSource: DataSource, messaging: MessagingConnection) => {
            const checks = new ReadinessChecks();
            checks.register('database', () => isDatabaseHealthy(dataSource), 'PostgreSQL does not answer');
            checks.register('nats', () => messaging.isHealthy(), 'NATS does not answer');
            return checks;
          },
          inject: [DataSource, MessagingConnection],
        },
        { provide: Outbox, useFactory: (ds: DataSource) => new Outbox(ds), inject: [DataSource] },
        { provide: ProcessedEventLog, useFactory: (ds: DataSource) => new ProcessedEventLog(ds), inject: [DataSource] },
        {
          provide: OutboxRelay,
          useFactory: (ds: DataSource, publisher: EventPublisher, outbox: Outbox) => {
            const relay = new OutboxRelay(ds, publisher, rootLogger.child({ component: 'outbox-relay' }));
            outbox.onCommit(() => relay.nudge());
            return relay;
          },
          inject: [DataSource, EventPublisher, Outbox],
        },
      ],
      exports: [
        SERVICE_NAME,
        SERVICE_CONFIG,
        ROOT_LOGGER,
        MetricsRegistry,
        MessagingConnection,
        EventPublisher,
        Requester,
        Responder,
        Outbox,
        OutboxRelay,
        ProcessedEventLog,
        ReadinessChecks,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }

  onApplicationBootstrap(): void {
    if (this.config.OUTBOX_RELAY_ENABLED) this.relay.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.responder.close();
    await this.messaging.close();
    this.logger.info('stopped');
  }
}
