import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ReadinessChecks } from './readiness-checks';

/**
 * /healthz and /readyz of a process without PostgreSQL and NATS: alive while it answers, ready
 * while every check its components registered passes.
 */
@Controller()
export class StandaloneHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readinessChecks: ReadinessChecks,
  ) {}

  @Get('healthz')
  @HealthCheck()
  liveness() {
    return this.health.check([]);
  }

  @Get('readyz')
  @HealthCheck()
  readiness() {
    return this.health.check(
      this.readinessChecks.list().map(({ name, check, whenDown }) => async () => {
        const session = this.indicators.check(name);
        return (await check()) ? session.up() : session.down(whenDown);
      }),
    );
  }
}
