import { schemaOf } from '@portcullis/platform/persistence';
import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsersSessionsAndLoginStates1795859284384 implements MigrationInterface {
  name = 'CreateUsersSessionsAndLoginStates1795859284384';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`CREATE TABLE "${schema}"."login_states" ("handle_hash" text NOT NULL, "nonce" text NOT NULL, "return_to" text NOT NULL DEFAULT '/', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_61de7526f5e741e3e3798eb0c23" PRIMARY KEY ("handle_hash"))`);
    await queryRunner.query(`CREATE TABLE "${schema}"."sessions" ("token_hash" text NOT NULL, "user_id" uuid NOT NULL, "csrf_token" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_abaa9e068cdd390bc5210f79884" PRIMARY KEY ("token_hash"))`);
    await queryRunner.query(`CREATE INDEX "sessions_expiry" ON "${schema}"."sessions"  ("expires_at") `);
    await queryRunner.query(`CREATE TABLE "${schema}"."users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "issuer" text NOT NULL, "idp_subject" text NOT NULL, "email" text, "display_name" text, "groups" text array NOT NULL DEFAULT '{}', "admin" boolean NOT NULL DEFAULT false, "disabled" boolean NOT NULL DEFAULT false, "last_login_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "users_idp_identity" ON "${schema}"."users"  ("issuer", "idp_subject") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`DROP INDEX "${schema}"."users_idp_identity"`);
    await queryRunner.query(`DROP TABLE "${schema}"."users"`);
    await queryRunner.query(`DROP INDEX "${schema}"."sessions_expiry"`);
    await queryRunner.query(`DROP TABLE "${schema}"."sessions"`);
    await queryRunner.query(`DROP TABLE "${schema}"."login_states"`);
  }
}
