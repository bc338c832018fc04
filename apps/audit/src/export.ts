// Separate entry point: writes the audit trail of a time range to stdout as NDJSON, straight
// from the database (for SIEM ingestion, or when the service is not running). Nx target `export`:
//   DATABASE_URL=postgres://… [DATABASE_SCHEMA=audit] node -r @swc-node/register apps/audit/src/export.ts \
//     --from 2026-01-01T00:00:00Z --to 2026-01-02T00:00:00Z > audit.ndjson
import { ConfigError, DatabaseConfig, loadDatabaseConfig } from '@portcullis/platform/config';
import { serviceDataSourceOptions } from '@portcullis/platform/persistence';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { DataSource } from 'typeorm';
import { auditEntities, auditMigrations } from './database/audit.migrations';
import { parseExportRange, TrailExport } from './export/trail-export';

const USAGE = 'usage: export.ts --from <ISO timestamp, inclusive> --to <ISO timestamp, exclusive>';

async function main(): Promise<number> {
  let range: ReturnType<typeof parseExportRange>;
  try {
    const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' } } });
    range = parseExportRange(values.from, values.to);
  } catch {
    range = null;
  }
  if (!range) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  let config: DatabaseConfig;
  try {
    config = loadDatabaseConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`portcullis-audit-export: ${error.message}\n`);
    return 78;
  }
  const dataSource = new DataSource(
    serviceDataSourceOptions({
      url: config.DATABASE_URL,
      schema: config.DATABASE_SCHEMA ?? 'audit',
      applicationName: 'portcullis-audit-export',
      entities: auditEntities,
      migrations: auditMigrations,
    }),
  );
  try {
    await dataSource.initialize();
    let records = 0;
    for await (const chunk of new TrailExport(dataSource).chunks(range)) {
      records = chunk.records;
      if (!process.stdout.write(chunk.ndjson)) await once(process.stdout, 'drain');
    }
    process.stderr.write(`exported ${records} audit records from ${range.from} to ${range.to}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`portcullis-audit-export: ${(error as Error).message}\n`);
    return 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
  }
}

void main().then((code) => {
  process.exitCode = code;
});
