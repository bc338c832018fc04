import { MigrationInterface, QueryRunner } from 'typeorm';
import { schemaOf } from '../data-source';

export class CreateOutboxAndProcessedEvents1764320000000 implements MigrationInterface {
  name = 'CreateOutboxAndProcessedEvents1764320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(
      `CREATE TABLE "${schema}"."outbox" ("id" uuid NOT NULL, "sequence" BIGSERIAL NOT NULL, "subject" text NOT NULL, "schema_name" text NOT NULL, "payload" jsonb NOT NULL, "trace_carrier" jsonb NOT NULL DEFAULT '{}'::jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "published_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_outbox_sequence" UNIQUE ("sequence"), CONSTRAINT "PK_outbox" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "outbox_unpublished" ON "${schema}"."outbox" ("sequence") WHERE published_at IS NULL`,
    );
    await queryRunner.query(
      `CREATE TABLE "${schema}"."processed_events" ("consumer" text NOT NULL, "event_id" uuid NOT NULL, "processed_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_processed_events" PRIMARY KEY ("consumer", "event_id"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE "${schema}"."processed_events"`);
    await queryRunner.query(`DROP INDEX "${schema}"."outbox_unpublished"`);
    await queryRunner.query(`DROP TABLE "${schema}"."outbox"`);
  }
}
