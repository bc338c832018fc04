import { CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Which events a consumer has already applied: the idempotency record of the inbox pattern. */
@Entity({ name: 'processed_events' })
export class ProcessedEvent {
  @PrimaryColumn('text')
  consumer!: string;

  @PrimaryColumn('uuid', { name: 'event_id' })
  eventId!: string;

  @CreateDateColumn({ name: 'processed_at', type: 'timestamptz' })
  processedAt!: Date;
}
