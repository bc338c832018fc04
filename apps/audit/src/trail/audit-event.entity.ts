import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One audit record. The table is partitioned by day on `occurred_at` (the migration says so;
 * TypeORM cannot), which is why the primary key includes it: PostgreSQL enforces uniqueness per
 * partition only on keys that contain the partition key. The row is append-only: it is written
 * once with its place in the day's hash chain and never updated.
 */
@Entity({ name: 'audit_events' })
@Index('audit_events_time', ['occurredAt', 'id'])
@Index('audit_events_user', ['userId', 'occurredAt', 'id'])
@Index('audit_events_cluster', ['cluster', 'namespace', 'occurredAt', 'id'])
@Index('audit_events_resource', ['resource', 'occurredAt', 'id'])
@Index('audit_events_name', ['name', 'occurredAt', 'id'])
@Index('audit_events_chain', ['chainSeq', 'id'])
// GIN, which TypeORM cannot declare: created by the migration, left alone by schema comparison.
@Index('audit_events_groups', { synchronize: false })
export class AuditEvent {
  @PrimaryColumn('uuid')
  id!: string;

  @PrimaryColumn('timestamptz', { name: 'occurred_at' })
  occurredAt!: Date;

  @Column('text')
  kind!: string;

  @Column('text', { name: 'user_id', nullable: true })
  userId!: string | null;

  @Column('text', { array: true })
  groups!: string[];

  @Column('uuid', { name: 'kubeconfig_id', nullable: true })
  kubeconfigId!: string | null;

  @Column('text', { nullable: true })
  cluster!: string | null;

  @Column('text')
  decision!: string;

  @Column('text')
  verb!: string;

  @Column('text', { name: 'api_group' })
  apiGroup!: string;

  @Column('text', { name: 'api_version' })
  apiVersion!: string;

  @Column('text')
  resource!: string;

  @Column('text')
  subresource!: string;

  @Column('text')
  namespace!: string;

  /** Byte-wise collation, so the name-prefix filter (LIKE 'abc%') can use the index. */
  @Column({ type: 'text', collation: 'C' })
  name!: string;

  @Column('text')
  path!: string;

  @Column('smallint', { name: 'response_status' })
  responseStatus!: number;

  @Column('double precision', { name: 'latency_ms' })
  latencyMs!: number;

  /** bigint arrives from pg as a string. */
  @Column('bigint', { name: 'bytes_in', nullable: true })
  bytesIn!: string | null;

  @Column('bigint', { name: 'bytes_out', nullable: true })
  bytesOut!: string | null;

  @Column('text', { name: 'user_agent' })
  userAgent!: string;

  @Column('text', { name: 'source_address' })
  sourceAddress!: string;

  @Column('text', { name: 'trace_id', nullable: true })
  traceId!: string | null;

  @Column('jsonb', { nullable: true })
  details!: Record<string, unknown> | null;

  /** Position in the day's hash chain, from 1. */
  @Column('bigint', { name: 'chain_seq' })
  chainSeq!: string;

  /** sha256(previous hash || chain_seq || sha256(canonical content)); see event-chain.ts. */
  @Column('bytea')
  hash!: Buffer;

  @Column('timestamptz', { name: 'stored_at', default: () => 'now()' })
  storedAt!: Date;
}
