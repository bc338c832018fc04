import { schemaOf } from '@portcullis/platform/persistence';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Generated from the entities, then completed by hand with what TypeORM cannot describe: the
 * table is partitioned by day (`PARTITION BY RANGE (occurred_at)`; the service creates the day
 * partitions ahead and drops them at the end of retention) and `groups` has a GIN index.
 */
export class CreateAuditTrail1795860010714 implements MigrationInterface {
  name = 'CreateAuditTrail1795860010714';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`CREATE TABLE "${schema}"."audit_events" ("id" uuid NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "kind" text NOT NULL, "user_id" text, "groups" text array NOT NULL, "kubeconfig_id" uuid, "cluster" text, "decision" text NOT NULL, "verb" text NOT NULL, "api_group" text NOT NULL, "api_version" text NOT NULL, "resource" text NOT NULL, "subresource" text NOT NULL, "namespace" text NOT NULL, "name" text COLLATE "C" NOT NULL, "path" text NOT NULL, "response_status" smallint NOT NULL, "latency_ms" double precision NOT NULL, "bytes_in" bigint, "bytes_out" bigint, "user_agent" text NOT NULL, "source_address" text NOT NULL, "trace_id" text, "details" jsonb, "chain_seq" bigint NOT NULL, "hash" bytea NOT NULL, "stored_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_d843ba242d2dd6e6e5855e7a63d" PRIMARY KEY ("id", "occurred_at")) PARTITION BY RANGE ("occurred_at")`);
    await queryRunner.query(`CREATE INDEX "audit_events_chain" ON "${schema}"."audit_events"  ("chain_seq", "id") `);
    await queryRunner.query(`CREATE INDEX "audit_events_name" ON "${schema}"."audit_events"  ("name", "occurred_at", "id") `);
    await queryRunner.query(`CREATE INDEX "audit_events_resource" ON "${schema}"."audit_events"  ("resource", "occurred_at", "id") `);
    await queryRunner.query(`CREATE INDEX "audit_events_cluster" ON "${schema}"."audit_events"  ("cluster", "namespace", "occurred_at", "id") `);
    await queryRunner.query(`CREATE INDEX "audit_events_user" ON "${schema}"."audit_events"  ("user_id", "occurred_at", "id") `);
    await queryRunner.query(`CREATE INDEX "audit_events_time" ON "${schema}"."audit_events"  ("occurred_at", "id") `);
    await queryRunner.query(`CREATE INDEX "audit_events_groups" ON "${schema}"."audit_events" USING gin ("groups")`);
    await queryRunner.query(`CREATE TABLE "${schema}"."audit_chain_heads" ("day" date NOT NULL, "last_seq" bigint NOT NULL, "last_hash" bytea, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_b362d3fc01a23be19805ad451ae" PRIMARY KEY ("day"))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE "${schema}"."audit_chain_heads"`);
    await queryRunner.query(`DROP INDEX "${schema}"."audit_events_groups"`);
    await queryRunner.query(`DROP INDEX "${schema}"."audit_events_time"`);
    await queryRunner.query(`DROP INDEX "${schema}"."audit_events_user"`);
    await queryRunner.query(`DROP INDEX "${schema}"."audit_events_cluster"`);
    await queryRunner.query(`DROP INDEX "${schema}"."audit_events_resource"`);
    await queryRunner.query(`DROP INDEX "${schema}"."audit_events_name"`);
    await queryRunner.query(`DROP INDEX "${schema}"."audit_events_chain"`);
    await queryRunner.query(`DROP TABLE "${schema}"."audit_events"`);
  }
}
