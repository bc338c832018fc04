import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { MessagingConnection } from '@portcullis/platform/messaging';
import { isDatabaseHealthy } from '@portcullis/platform/persistence';
import { DataSource } from 'typeorm';

/**
 * /healthz says the process is alive (restart it if not); /readyz says it can serve now
 * (route traffic to it if so). A broker or database outage costs readiness, never liveness,
 * so Kubernetes does not restart healthy processes during someone else's outage.
 */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    private readonly messaging: MessagingConnection,
  ) {}

  @Get('healthz')
  @HealthCheck()
  liveness() {
    return this.health.check([]);
  }

  @Get('readyz')
  @HealthCheck()
  readiness() {
    return this.health.check([
      async () => {
        const session = this.indicators.check('database');
        return (await isDatabaseHealthy(this.dataSource)) ? session.up() : session.down('PostgreSQL does not answer');
      },
      async () => {
        const session = this.indicators.check('nats');
        return (await this.messaging.isHealthy()) ? session.up() : session.down('NATS does not answer');
      },
    ]);
  }
}
