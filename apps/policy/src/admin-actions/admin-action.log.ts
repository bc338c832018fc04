import { Inject, Injectable } from '@nestjs/common';
import { Subjects } from '@portcullis/contracts';
import { DomainException } from '@portcullis/platform/errors';
import { Outbox, TransactionEvents } from '@portcullis/platform/persistence';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { UnexpectedError } from '../errors/unexpected.error';

/** Who performed an admin API mutation (from their platform JWT). */
export interface AdminActor {
  userId: string;
  email: string | null;
}

export interface AdminActionTarget {
  kind: string;
  id: string | null;
}

/** A before/after picture of an object, without secrets. */
export type Snapshot = Record<string, unknown> | null;

/**
 * Every admin API mutation becomes an AdminActionV1 event for the audit trail: a success in
 * the same transaction as the change itself, a failed attempt in a transaction of its own.
 */
@Injectable()
export class AdminActionLog {
  constructor(
    private readonly outbox: Outbox,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** Records a success inside the mutation's own transaction. */
  succeeded(events: TransactionEvents, actor: AdminActor, action: string, target: AdminActionTarget, before: Snapshot, after: Snapshot): Promise<void> {
    return events.add(Subjects.policyAdminAction, {
      id: randomUUID(),
      occurredAt: new Date().toISOString(),
      actor: { userId: actor.userId, email: actor.email },
      action,
      target,
      before,
      after,
      outcome: 'succeeded',
      error: null,
    });
  }

  /** Records a success of a mutation whose change happened in another service. */
  recordSucceeded(actor: AdminActor, action: string, target: AdminActionTarget, before: Snapshot, after: Snapshot): Promise<void> {
    return this.outbox.transaction((_, events) => this.succeeded(events, actor, action, target, before, after));
  }

  /**
   * Runs a mutation. When it fails, the attempt is recorded with the error callers see and
   * the error is rethrown; an unexpected error is given an id first, so the record, the log
   * line and the caller's error all name the same id.
   */
  async attempt<T>(actor: AdminActor, action: string, target: AdminActionTarget, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const failure = error instanceof DomainException || error instanceof UnexpectedError ? error : new UnexpectedError(error);
      await this.outbox
        .transaction((_, events) =>
          events.add(Subjects.policyAdminAction, {
            id: randomUUID(),
            occurredAt: new Date().toISOString(),
            actor: { userId: actor.userId, email: actor.email },
            action,
            target,
            before: null,
            after: null,
            outcome: 'failed',
            error: failure.message,
          }),
        )
        .catch((recordError: unknown) => this.logger.error({ err: recordError, action }, 'could not record a failed admin action'));
      throw failure;
    }
  }
}
