import { EventContract, EventMap, EventSubject, eventContracts, validate } from '@portcullis/contracts';
import { injectTraceContext } from '@portcullis/platform/telemetry';
import { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { OutboxMessage } from './outbox-message.entity';

export class InvalidOutboxEventError extends Error {
  constructor(subject: string, reason: string) {
    super(`invalid event for ${subject}: ${reason}`);
    this.name = 'InvalidOutboxEventError';
  }
}

/** Collects the events of one transaction; they are written with it or not at all. */
export class TransactionEvents {
  constructor(private readonly manager: EntityManager) {}

  add<S extends EventSubject>(subject: S, event: EventMap[S]): Promise<void> {
    return this.addContract(eventContracts[subject] as EventContract, event);
  }

  async addContract<C extends EventContract>(contract: C, event: z.infer<C['schema']>): Promise<void> {
    const checked = validate(contract.schema, event);
    if (!checked.ok) throw new InvalidOutboxEventError(contract.subject, checked.reason);
    const payload = checked.value as { id: string } & Record<string, unknown>;
    await this.manager.insert(OutboxMessage, {
      id: payload.id,
      subject: contract.subject,
      schemaName: contract.schemaName,
      payload: payload as OutboxMessage['payload'] as never,
      traceCarrier: injectTraceContext(),
    });
  }
}

/**
 * The transactional outbox: a state change and the events describing it commit together,
 * and the relay publishes them afterwards. A crash between the two loses nothing and
 * invents nothing.
 */
export class Outbox {
  private readonly commitListeners: Array<() => void> = [];

  constructor(private readonly dataSource: DataSource) {}

  async transaction<T>(work: (manager: EntityManager, events: TransactionEvents) => Promise<T>): Promise<T> {
    const result = await this.dataSource.transaction((manager) => work(manager, new TransactionEvents(manager)));
    for (const listener of this.commitListeners) listener();
    return result;
  }

  /** The relay subscribes so it publishes right after a commit instead of at its next poll. */
  onCommit(listener: () => void): void {
    this.commitListeners.push(listener);
  }
}
