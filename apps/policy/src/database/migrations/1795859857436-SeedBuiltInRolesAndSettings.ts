import { schemaOf } from '@portcullis/platform/persistence';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The four built-in roles (Kubernetes' user-facing ClusterRoles, which grants bind on each
 * cluster) with fixed ids, so every deployment agrees on them, and the global settings row
 * with a kubeconfig validity of 7 days.
 */
export class SeedBuiltInRolesAndSettings1795859857436 implements MigrationInterface {
  name = 'SeedBuiltInRolesAndSettings1795859857436';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(
      `INSERT INTO "${schema}"."roles" ("id", "name", "built_in", "description", "rules") VALUES
        ('00000000-0000-4000-8000-000000000001', 'cluster-admin', true, 'The ClusterRole cluster-admin: everything, on the whole cluster or in the granted namespaces', '[]'),
        ('00000000-0000-4000-8000-000000000002', 'admin', true, 'The ClusterRole admin: read and write most objects, including roles and role bindings, in namespaces', '[]'),
        ('00000000-0000-4000-8000-000000000003', 'edit', true, 'The ClusterRole edit: read and write most objects in namespaces, but not roles or role bindings', '[]'),
        ('00000000-0000-4000-8000-000000000004', 'view', true, 'The ClusterRole view: read most objects in namespaces, but not secrets', '[]')`,
    );
    await queryRunner.query(`INSERT INTO "${schema}"."global_settings" ("id", "kubeconfig_validity_seconds") VALUES (1, 604800)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`DELETE FROM "${schema}"."global_settings" WHERE "id" = 1`);
    await queryRunner.query(`DELETE FROM "${schema}"."roles" WHERE "built_in"`);
  }
}
