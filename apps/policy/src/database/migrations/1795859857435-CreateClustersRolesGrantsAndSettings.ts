import { schemaOf } from '@portcullis/platform/persistence';
import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateClustersRolesGrantsAndSettings1795859857435 implements MigrationInterface {
  name = 'CreateClustersRolesGrantsAndSettings1795859857435';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`CREATE TABLE "${schema}"."clusters" ("id" uuid NOT NULL, "name" text NOT NULL, "display_name" text NOT NULL, "server" text NOT NULL, "ca_bundle" text, "labels" jsonb NOT NULL DEFAULT '{}', "idle_timeout_seconds" integer NOT NULL, "credential_kind" text NOT NULL, "credential_key_id" text NOT NULL, "credential_iv" bytea NOT NULL, "credential_auth_tag" bytea NOT NULL, "credential_ciphertext" bytea NOT NULL, "credential_updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_56c8e201f375e1e961dcdd6831c" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "clusters_name" ON "${schema}"."clusters"  ("name") `);
    await queryRunner.query(`CREATE TABLE "${schema}"."roles" ("id" uuid NOT NULL, "name" text NOT NULL, "built_in" boolean NOT NULL DEFAULT false, "description" text, "rules" jsonb NOT NULL DEFAULT '[]', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c1433d71a4838793a49dcad46ab" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "roles_name" ON "${schema}"."roles"  ("name") `);
    await queryRunner.query(`CREATE TABLE "${schema}"."grants" ("id" uuid NOT NULL, "subject_kind" text NOT NULL, "subject_name" text NOT NULL, "role_id" uuid NOT NULL, "cluster_id" uuid, "cluster_selector" jsonb, "namespaces" text array NOT NULL DEFAULT '{}', "signature" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "created_by" text NOT NULL, CONSTRAINT "grants_one_target" CHECK ((cluster_id IS NULL) <> (cluster_selector IS NULL)), CONSTRAINT "PK_a25f5f89eff8b3277f7969b7094" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "grants_subject" ON "${schema}"."grants"  ("subject_kind", "subject_name") `);
    await queryRunner.query(`CREATE UNIQUE INDEX "grants_signature" ON "${schema}"."grants"  ("signature") `);
    await queryRunner.query(`CREATE TABLE "${schema}"."global_settings" ("id" smallint NOT NULL, "kubeconfig_validity_seconds" integer NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "global_settings_single_row" CHECK (id = 1), CONSTRAINT "PK_fec5e2c0bf238e30b25d4a82976" PRIMARY KEY ("id"))`);
    await queryRunner.query(`ALTER TABLE "${schema}"."grants" ADD CONSTRAINT "FK_6ad105ae2334a61cb9e149dfd39" FOREIGN KEY ("role_id") REFERENCES "${schema}"."roles"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "${schema}"."grants" ADD CONSTRAINT "FK_82558cbec91ad36647376d5e530" FOREIGN KEY ("cluster_id") REFERENCES "${schema}"."clusters"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`ALTER TABLE "${schema}"."grants" DROP CONSTRAINT "FK_82558cbec91ad36647376d5e530"`);
    await queryRunner.query(`ALTER TABLE "${schema}"."grants" DROP CONSTRAINT "FK_6ad105ae2334a61cb9e149dfd39"`);
    await queryRunner.query(`DROP TABLE "${schema}"."global_settings"`);
    await queryRunner.query(`DROP INDEX "${schema}"."grants_signature"`);
    await queryRunner.query(`DROP INDEX "${schema}"."grants_subject"`);
    await queryRunner.query(`DROP TABLE "${schema}"."grants"`);
    await queryRunner.query(`DROP INDEX "${schema}"."roles_name"`);
    await queryRunner.query(`DROP TABLE "${schema}"."roles"`);
    await queryRunner.query(`DROP INDEX "${schema}"."clusters_name"`);
    await queryRunner.query(`DROP TABLE "${schema}"."clusters"`);
  }
}
