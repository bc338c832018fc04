import { schemaOf } from '@portcullis/platform/persistence';
import { MigrationInterface, QueryRunner } from 'typeorm';

export class IssuedKubeconfigs1795859396675 implements MigrationInterface {
  name = 'IssuedKubeconfigs1795859396675';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`CREATE TABLE "${schema}"."issued_kubeconfigs" ("id" uuid NOT NULL, "user_id" text NOT NULL, "email" text, "groups" text array NOT NULL, "clusters" text array NOT NULL, "issued_at" TIMESTAMP WITH TIME ZONE NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_by" text, "revoke_reason" text, "certificate_serial" text NOT NULL, "certificate_fingerprint" text NOT NULL, CONSTRAINT "UQ_af558a6eaad257c7a65ae2d1dde" UNIQUE ("certificate_serial"), CONSTRAINT "UQ_883c4fe1407525f101d4ebe83f7" UNIQUE ("certificate_fingerprint"), CONSTRAINT "PK_5d144e134731dfc11b06a92903e" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "issued_kubeconfigs_user_issued" ON "${schema}"."issued_kubeconfigs"  ("user_id", "issued_at") `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`DROP INDEX "${schema}"."issued_kubeconfigs_user_issued"`);
    await queryRunner.query(`DROP TABLE "${schema}"."issued_kubeconfigs"`);
  }
}
