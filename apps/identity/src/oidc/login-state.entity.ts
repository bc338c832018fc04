import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An authorization request in flight: its nonce, until the IdP sends the browser back. */
@Entity({ name: 'login_states' })
export class LoginStateEntity {
  @PrimaryColumn('text', { name: 'handle_hash' })
  handleHash!: string;

  @Column('text')
  nonce!: string;

  /** Where to send the person after sign-in (a local path only). */
  @Column('text', { name: 'return_to', default: '/' })
  returnTo!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
