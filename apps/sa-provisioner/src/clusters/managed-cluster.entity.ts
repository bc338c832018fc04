import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A cluster the provisioner has created objects on, so reconciliation at start looks there
 * even when no JIT ServiceAccount is recorded on it any more.
 */
@Entity({ name: 'managed_clusters' })
export class ManagedCluster {
  @PrimaryColumn('uuid', { name: 'cluster_id' })
  clusterId!: string;

  @Column('text')
  name!: string;

  @Column('timestamptz', { name: 'first_provisioned_at' })
  firstProvisionedAt!: Date;
}
