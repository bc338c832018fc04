import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A person who has signed in at least once, keyed by the IdP's (issuer, subject) pair. */
@Entity({ name: 'users' })
@Index('users_idp_identity', ['issuer', 'idpSubject'], { unique: true })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text')
  issuer!: string;

  @Column('text', { name: 'idp_subject' })
  idpSubject!: string;

  @Column('text', { nullable: true })
  email!: string | null;

  @Column('text', { name: 'display_name', nullable: true })
  displayName!: string | null;

  /** The IdP's groups as of the last login: replaced, never merged. */
  @Column('text', { array: true, default: () => "'{}'" })
  groups!: string[];

  @Column('boolean', { default: false })
  admin!: boolean;

  /** Set by Portcullis (not the IdP): a disabled person cannot sign in. */
  @Column('boolean', { default: false })
  disabled!: boolean;

  @Column('timestamptz', { name: 'last_login_at', nullable: true })
  lastLoginAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
