import { Check, Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The one row of platform-wide settings (seeded by a migration). */
@Entity({ name: 'global_settings' })
@Check('global_settings_single_row', 'id = 1')
export class GlobalSettingsEntity {
  @PrimaryColumn('smallint')
  id!: number;

  @Column('integer', { name: 'kubeconfig_validity_seconds' })
  kubeconfigValiditySeconds!: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
