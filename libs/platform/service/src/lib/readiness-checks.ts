import { Injectable } from '@nestjs/common';

export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface RegisteredReadinessCheck {
  name: string;
  check: ReadinessCheck;
  /** What /readyz says while the check fails, e.g. 'no tunnel to the proxy'. */
  whenDown: string;
}

/**
 * What a standalone process must have before it takes traffic, as its own components report it
 * (the cluster agent: a tunnel is up). /readyz fails while any registered check does.
 */
@Injectable()
export class ReadinessChecks {
  private readonly checks = new Map<string, RegisteredReadinessCheck>();

  register(name: string, check: ReadinessCheck, whenDown: string): void {
    this.checks.set(name, { name, check, whenDown });
  }

  list(): RegisteredReadinessCheck[] {
    return [...this.checks.values()];
  }
}
