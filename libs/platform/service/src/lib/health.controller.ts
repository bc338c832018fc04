import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ReadinessChecks } from './readiness-checks';

/**
 * /healthz says the process is alive (restart it if not); /readyz says it can serve now
 * (route traffic to it if so): every registered ReadinessChecks passes. A broker or database
 * outage costs readiness, never liveness, so Kubernetes does not restart healthy processes
 * during someone else's outage.
 */
@Controller()
export class HealthController {
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
        let ready = false;
        try {
          ready = await check();
        } catch {
          // A check that throws is a check that fails.
        }
        return ready ? session.up() : session.down(whenDown);
      }),
    );
  }
}
