import type { PolicyRule } from '@portcullis/contracts';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A role a grant hands out: a built-in one (a Kubernetes ClusterRole of the same name) or a custom rule set. */
@Entity({ name: 'roles' })
@Index('roles_name', ['name'], { unique: true })
export class RoleEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** A DNS label; immutable, because grants and events refer to roles by name. */
  @Column('text')
  name!: string;

  @Column('boolean', { name: 'built_in', default: false })
  builtIn!: boolean;

  @Column('text', { nullable: true })
  description!: string | null;

  /** Kubernetes PolicyRules; empty for built-in roles, whose rules are the cluster's own ClusterRole. */
  @Column('jsonb', { default: () => `'[]'` })
  rules!: PolicyRule[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
