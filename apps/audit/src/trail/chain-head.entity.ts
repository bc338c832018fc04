import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The end of one day's hash chain. Appending locks this row, so appends to a day are serialised
 * across consumers and replicas, and the next record knows the hash it continues from. It also
 * lets verification notice records removed from the end of a chain.
 */
@Entity({ name: 'audit_chain_heads' })
export class ChainHead {
  /** The UTC day, YYYY-MM-DD; pg returns date as a string. */
  @PrimaryColumn('date')
  day!: string;

  /** bigint arrives from pg as a string; 0 while the chain is empty. */
  @Column('bigint', { name: 'last_seq' })
  lastSeq!: string;

  /** null while the chain is empty (the next record continues from the day's genesis hash). */
  @Column('bytea', { name: 'last_hash', nullable: true })
  lastHash!: Buffer | null;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt!: Date;
}
