import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** An event waiting to be relayed to JetStream, written in the same transaction as the change it describes. */
@Entity({ name: 'outbox' })
@Index('outbox_unpublished', ['sequence'], { where: 'published_at IS NULL' })
export class OutboxMessage {
  /** The event id: also the JetStream Nats-Msg-Id, so a relay that re-sends after a crash is de-duplicated. */
  @PrimaryColumn('uuid')
  id!: string;

  /** Relay order; bigint arrives from pg as a string. */
  @Column({ type: 'bigint', generated: 'increment', unique: true })
  sequence!: string;

  @Column('text')
  subject!: string;

  @Column('text', { name: 'schema_name' })
  schemaName!: string;

  @Column('jsonb')
  payload!: Record<string, unknown>;

  @Column('jsonb', { name: 'trace_carrier', default: () => `'{}'` })
  traceCarrier!: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt!: Date | null;
}
