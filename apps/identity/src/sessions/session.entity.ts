import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A portal sign-in. Only a hash of the cookie value is stored, so a database leak yields no usable session. */
@Entity({ name: 'sessions' })
@Index('sessions_expiry', ['expiresAt'])
export class SessionEntity {
  @PrimaryColumn('text', { name: 'token_hash' })
  tokenHash!: string;

  @Column('uuid', { name: 'user_id' })
  userId!: string;

  /** The synchronizer token that state-changing portal requests must echo in X-CSRF-Token. */
  @Column('text', { name: 'csrf_token' })
  csrfToken!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;
}
