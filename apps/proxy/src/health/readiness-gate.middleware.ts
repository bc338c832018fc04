import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { PolicyEventsConsumer } from '../access/policy-events.consumer';
import { DataPlaneState } from '../data-plane/data-plane.state';
import { RevocationConsumer } from '../revocation/revocation.consumer';

/**
 * /readyz stays false until the proxy may take traffic: the data plane listens, every stored
 * revocation has been replayed (a replica that took requests before would accept revoked
 * kubeconfigs) and policy changes reach it. Then the platform's checks (database, NATS) answer.
 */
@Injectable()
export class ReadinessGateMiddleware implements NestMiddleware {
  constructor(
    private readonly state: DataPlaneState,
    private readonly revocations: RevocationConsumer,
    private readonly policyChanges: PolicyEventsConsumer,
  ) {}

  use(_request: Request, response: Response, next: NextFunction): void {
    const down: Record<string, { status: 'down'; message: string }> = {};
    if (!this.state.listening) down['dataPlane'] = { status: 'down', message: 'the data plane is not listening' };
    if (!this.revocations.isCaughtUp) down['revocations'] = { status: 'down', message: 'stored revocations are still being replayed' };
    if (!this.policyChanges.isCaughtUp) down['policyChanges'] = { status: 'down', message: 'not yet following policy changes' };
    if (Object.keys(down).length === 0) return next();
    response.status(503).json({ status: 'error', info: {}, error: down, details: down });
  }
}
