import { DataSource, EntityManager } from 'typeorm';
import { ProcessedEvent } from './processed-event.entity';

/**
 * Makes a consumer's effect happen once per event id: the id is recorded in the same
 * transaction as the effect, so a redelivery (after a crash before the ack, or a re-sent
 * outbox row) finds it and does nothing.
 */
export class ProcessedEventLog {
  constructor(private readonly dataSource: DataSource) {}

  /** Returns false when the event had already been processed by this consumer. */
  async runOnce(consumer: string, eventId: string, effect: (manager: EntityManager) => Promise<void>): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .insert()
        .into(ProcessedEvent)
        .values({ consumer, eventId })
        .orIgnore()
        .returning(['eventId'])
        .execute();
      if (result.raw.length === 0) return false;
      await effect(manager);
      return true;
    });
  }
}
