import { Injectable } from '@nestjs/common';

export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface RegisteredReadinessCheck {
  name: string;
  check: ReadinessCheck;
  /** What /readyz says while the check fails, e.g. 'no tunnel to the proxy'. */
  whenDown: string;
}

/**
 * Everything a process must have before it takes traffic. The platform registers its own
 * (PostgreSQL and NATS answer, where the process has them); an app's modules add theirs at
 * init (the proxy: its data plane listens and its revocations are replayed; the cluster agent:
 * a tunnel is up). /readyz fails while any registered check does, naming each one that fails.
 */
@Injectable()
export class ReadinessChecks {
  private readonly checks = new Map<string, RegisteredReadinessCheck>();

  register(name: string, check: ReadinessCheck, whenDown: string): void {
    // A second check under one name would silently replace the first (the database's, say).
    if (this.checks.has(name)) throw new Error(`a readiness check named "${name}" is registered already`);
    this.checks.set(name, { name, check, whenDown });
  }

  list(): RegisteredReadinessCheck[] {
    return [...this.checks.values()];
  }
}
