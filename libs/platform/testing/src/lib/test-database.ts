import { readStackEnvironment } from '@portcullis/platform/config';
import { Client } from 'pg';

/** The local stack's PostgreSQL and NATS, as `npm test` exported them. */
export function stackEnvironment(): { databaseUrl: string; natsUrl: string } {
  return readStackEnvironment();
}

export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
