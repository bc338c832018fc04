import { schemaOf } from '@portcullis/platform/persistence';
import { MigrationInterface, QueryRunner } from 'typeorm';

export class AddAgentMode1796284522566 implements MigrationInterface {
  name = 'AddAgentMode1796284522566';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`CREATE TABLE "${schema}"."agent_bootstrap_tokens" ("id" uuid NOT NULL, "cluster_id" uuid NOT NULL, "token_sha256" bytea NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "created_by" text NOT NULL, CONSTRAINT "PK_0523722cca9ef0709f66bbaed97" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "agent_bootstrap_tokens_cluster" ON "${schema}"."agent_bootstrap_tokens"  ("cluster_id") `);
    await queryRunner.query(`CREATE TABLE "${schema}"."agent_certificates" ("fingerprint" text NOT NULL, "cluster_id" uuid NOT NULL, "serial_number" text NOT NULL, "not_after" TIMESTAMP WITH TIME ZONE NOT NULL, "issued_at" TIMESTAMP WITH TIME ZONE NOT NULL, "superseded_at" TIMESTAMP WITH TIME ZONE, "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_69339496b41c29aa4500393ed8c" PRIMARY KEY ("fingerprint"))`);
    await queryRunner.query(`CREATE INDEX "agent_certificates_cluster" ON "${schema}"."agent_certificates"  ("cluster_id") `);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" ADD "mode" text NOT NULL DEFAULT 'direct'`);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" ALTER COLUMN "credential_kind" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" ALTER COLUMN "credential_key_id" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" ALTER COLUMN "credential_iv" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" ALTER COLUMN "credential_auth_tag" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" ALTER COLUMN "credential_ciphertext" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" ALTER COLUMN "credential_updated_at" DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" ADD CONSTRAINT "clusters_credential_by_mode" CHECK ((mode = 'direct') = (credential_ciphertext IS NOT NULL))`);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" ADD CONSTRAINT "clusters_mode" CHECK (mode IN ('direct', 'agent'))`);
    await queryRunner.query(`ALTER TABLE "${schema}"."agent_bootstrap_tokens" ADD CONSTRAINT "FK_718d9eafa91504ffac749f0708e" FOREIGN KEY ("cluster_id") REFERENCES "${schema}"."clusters"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "${schema}"."agent_certificates" ADD CONSTRAINT "FK_94ef89a6f356bd8845190ca08b3" FOREIGN KEY ("cluster_id") REFERENCES "${schema}"."clusters"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`ALTER TABLE "${schema}"."agent_certificates" DROP CONSTRAINT "FK_94ef89a6f356bd8845190ca08b3"`);
    await queryRunner.query(`ALTER TABLE "${schema}"."agent_bootstrap_tokens" DROP CONSTRAINT "FK_718d9eafa91504ffac749f0708e"`);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" DROP CONSTRAINT "clusters_mode"`);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" DROP CONSTRAINT "clusters_credential_by_mode"`);
    // Agent-mode clusters have no credential to put back; refuse rather than delete them.
    const [{ agentClusters }] = (await queryRunner.query(`SELECT count(*)::int AS "agentClusters" FROM "${schema}"."clusters" WHERE mode = 'agent'`)) as Array<{ agentClusters: number }>;
    if (agentClusters > 0) throw new Error(`cannot undo ${this.name}: remove the ${agentClusters} agent-mode cluster(s) first`);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" ALTER COLUMN "credential_updated_at" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" ALTER COLUMN "credential_ciphertext" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" ALTER COLUMN "credential_auth_tag" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" ALTER COLUMN "credential_iv" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" ALTER COLUMN "credential_key_id" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" ALTER COLUMN "credential_kind" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "${schema}"."clusters" DROP COLUMN "mode"`);
    await queryRunner.query(`DROP INDEX "${schema}"."agent_certificates_cluster"`);
    await queryRunner.query(`DROP TABLE "${schema}"."agent_certificates"`);
    await queryRunner.query(`DROP INDEX "${schema}"."agent_bootstrap_tokens_cluster"`);
    await queryRunner.query(`DROP TABLE "${schema}"."agent_bootstrap_tokens"`);
  }
}
