// Generates a migration for one app from the difference between its entities and its
// migrated schema, the way `typeorm migration:generate` does, but against a throwaway schema
// and with the schema name parametrised (every test and deployment may use its own schema).
//   node -r @swc-node/register tools/scripts/migration-generate.ts <app> <PascalName>
import { readStackEnvironment } from '@portcullis/platform/config';
import { runMigrations, serviceDataSourceOptions } from '@portcullis/platform/persistence';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';

async function main(): Promise<void> {
  const [app, name] = process.argv.slice(2);
  if (!app || !name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) {
    process.stderr.write('usage: migration-generate.ts <app> <PascalName>\n');
    process.exit(2);
  }
  const camel = app.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  const registry = (await import(path.resolve('apps', app, 'src', 'database', `${app}.migrations`))) as Record<string, unknown>;
  const entities = registry[`${camel}Entities`] as Parameters<typeof serviceDataSourceOptions>[0]['entities'];
  const migrations = registry[`${camel}Migrations`] as Parameters<typeof serviceDataSourceOptions>[0]['migrations'];
  const schema = `gen_${randomBytes(4).toString('hex')}`;
  const dataSource = await new DataSource(
    serviceDataSourceOptions({ url: readStackEnvironment().databaseUrl, schema, applicationName: 'migration-generate', entities, migrations }),
  ).initialize();
  try {
    await runMigrations(dataSource);
    const sql = await dataSource.driver.createSchemaBuilder().log();
    if (sql.upQueries.length === 0) {
      process.stdout.write(`no changes: the entities of ${app} match its migrations\n`);
      return;
    }
    const parametrise = (query: string) => query.replaceAll(`"${schema}".`, '"${schema}".').replaceAll('`', '\\`');
    const lines = (queries: typeof sql.upQueries) =>
      queries.map((q) => `    await queryRunner.query(\`${parametrise(q.query)}\`${q.parameters?.length ? `, ${JSON.stringify(q.parameters)}` : ''});`).join('\n');
    const timestamp = Date.now();
    const className = `${name}${timestamp}`;
    const file = path.join('apps', app, 'src', 'database', 'migrations', `${timestamp}-${name}.ts`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      `import { schemaOf } from '@portcullis/platform/persistence';
import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
${lines(sql.upQueries)}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
${lines([...sql.downQueries].reverse())}
  }
}
`,
    );
    process.stdout.write(`wrote ${file}: add ${className} to ${camel}Migrations in apps/${app}/src/database/${app}.migrations.ts\n`);
  } finally {
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await dataSource.destroy();
  }
}

void main();
