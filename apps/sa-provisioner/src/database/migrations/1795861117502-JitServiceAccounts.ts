import { schemaOf } from '@portcullis/platform/persistence';
import { MigrationInterface, QueryRunner } from 'typeorm';

export class JitServiceAccounts1795861117502 implements MigrationInterface {
  name = 'JitServiceAccounts1795861117502';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`CREATE TABLE "${schema}"."managed_clusters" ("cluster_id" uuid NOT NULL, "name" text NOT NULL, "first_provisioned_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_802e82588d08f3ee17b71b552e8" PRIMARY KEY ("cluster_id"))`);
    await queryRunner.query(`CREATE TABLE "${schema}"."jit_service_accounts" ("user_id" text NOT NULL, "cluster" text NOT NULL, "cluster_id" uuid NOT NULL, "namespace" text NOT NULL, "service_account" text NOT NULL, "email" text, "groups" text array NOT NULL, "idle_timeout_seconds" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL, "last_activity_at" TIMESTAMP WITH TIME ZONE, "idle_expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "access_changed_at" TIMESTAMP WITH TIME ZONE, "removal_reason" text, CONSTRAINT "PK_997f41f965325dcabce95f31b9f" PRIMARY KEY ("user_id", "cluster"))`);
    await queryRunner.query(`CREATE INDEX "jit_service_accounts_cluster_id" ON "${schema}"."jit_service_accounts"  ("cluster_id") `);
    await queryRunner.query(`CREATE INDEX "jit_service_accounts_idle_expires" ON "${schema}"."jit_service_accounts"  ("idle_expires_at") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`DROP INDEX "${schema}"."jit_service_accounts_idle_expires"`);
    await queryRunner.query(`DROP INDEX "${schema}"."jit_service_accounts_cluster_id"`);
    await queryRunner.query(`DROP TABLE "${schema}"."jit_service_accounts"`);
    await queryRunner.query(`DROP TABLE "${schema}"."managed_clusters"`);
  }
}
