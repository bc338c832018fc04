import { runMigrations, serviceDataSourceOptions } from '@portcullis/platform/persistence';
import { dropSchema, stackEnvironment, uniqueName } from '@portcullis/platform/testing';
import path from 'node:path';
import { DataSource } from 'typeorm';

const services = ['identity', 'policy', 'kubeconfig-issuer', 'proxy', 'sa-provisioner', 'audit'];
const { databaseUrl } = stackEnvironment();

type Registry = Record<string, unknown>;

async function serviceDataSource(service: string, schema: string): Promise<DataSource> {
  const camel = service.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const registry = (await import(path.join('..', '..', 'apps', service, 'src', 'database', `${service}.migrations`))) as Registry;
  return new DataSource(
    serviceDataSourceOptions({
      url: databaseUrl,
      schema,
      applicationName: 'migrations-test',
      entities: registry[`${camel}Entities`] as [],
      migrations: registry[`${camel}Migrations`] as [],
    }),
  ).initialize();
}

describe('migrations', () => {
  it.each(services)('%s: the committed migrations create exactly what its entities describe, and undo cleanly', async (service) => {
    const schema = uniqueName(`mig_${service.replace(/-/g, '')}`);
    const dataSource = await serviceDataSource(service, schema);
    try {
      await runMigrations(dataSource);
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);

      const [{ applied }] = await dataSource.query(`SELECT count(*)::int AS applied FROM "${schema}".migrations`);
      for (let i = 0; i < applied; i++) await dataSource.undoLastMigration();
      const tables = await dataSource.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name <> 'migrations'`, [schema]);
      expect(tables).toEqual([]);
    } finally {
      await dataSource.destroy();
      await dropSchema(databaseUrl, schema);
    }
  });

  // A rollout starts every replica's init container at once, all on the same empty schema.
  it('three replicas migrating one schema at once: one applies, the others wait and find nothing to do', async () => {
    const schema = uniqueName('mig_concurrent');
    const replicas = await Promise.all([1, 2, 3].map(() => serviceDataSource('policy', schema)));
    try {
      const applied = await Promise.all(replicas.map((dataSource) => runMigrations(dataSource)));
      expect(applied.filter((names) => names.length > 0)).toHaveLength(1);
      expect(applied.flat().length).toBeGreaterThan(0);
    } finally {
      await Promise.all(replicas.map((dataSource) => dataSource.destroy()));
      await dropSchema(databaseUrl, schema);
    }
  });
});
