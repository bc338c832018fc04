// `npm start`: install what is missing, make PostgreSQL and NATS available, start every
// service, wait until all are ready and print where they are. Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencies } from './ensure-deps.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const services = [
  { name: 'identity', port: 3001 },
  { name: 'policy', port: 3002 },
  { name: 'kubeconfig-issuer', port: 3003 },
  { name: 'proxy', port: 3004 },
  { name: 'sa-provisioner', port: 3005 },
  { name: 'audit', port: 3006 },
];
const READY_TIMEOUT_MS = 60_000;

ensureDependencies();
const { ensureStack, freePort, StackError } = await import('../local-stack/local-stack.mjs');

const startedAt = Date.now();
let stack;
try {
  stack = await ensureStack({ dataDir: path.join(root, '.data') });
} catch (error) {
  console.error(error instanceof StackError ? `[stack] ${error.message}` : error);
  process.exit(1);
}

const logDir = path.join(root, '.data', 'logs');
fs.mkdirSync(logDir, { recursive: true });
const children = [];
let stopping = false;

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  console.log('\n[start] stopping services');
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  await stack.stop();
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

const { default: net } = await import('node:net');
const portInUse = (port) =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

for (const service of services) {
  if (await portInUse(service.port)) service.port = await freePort();
  const logFile = path.join(logDir, `${service.name}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, ['-r', '@swc-node/register', `apps/${service.name}/src/main.ts`], {
    cwd: root,
    stdio: ['ignore', out, out],
    env: {
      ...process.env,
      HTTP_PORT: String(service.port),
      DATABASE_URL: stack.databaseUrl,
      NATS_URL: stack.natsUrl,
      DATABASE_MIGRATE_ON_START: 'true',
    },
  });
  child.on('exit', (code) => {
    if (!stopping) {
      console.error(`[start] ${service.name} exited with code ${code}; its log: ${path.relative(root, logFile)}`);
      void stopAll(1);
    }
  });
  children.push({ ...service, child, logFile });
}

async function ready(port) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

const deadline = Date.now() + READY_TIMEOUT_MS;
const pending = new Set(children.map((c) => c.name));
while (pending.size && Date.now() < deadline && !stopping) {
  for (const service of children) {
    if (pending.has(service.name) && (await ready(service.port))) pending.delete(service.name);
  }
  if (pending.size) await new Promise((resolve) => setTimeout(resolve, 250));
}
if (stopping) await new Promise(() => undefined);
if (pending.size) {
  console.error(`[start] not ready after ${READY_TIMEOUT_MS / 1000} s: ${[...pending].join(', ')} (logs in .data/logs/)`);
  await stopAll(1);
}

const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
console.log(`\nPortcullis is running (all ${children.length} services ready in ${seconds} s):\n`);
for (const service of children) {
  console.log(`  ${service.name.padEnd(18)} http://127.0.0.1:${service.port}   (/healthz /readyz /metrics)`);
}
console.log(`\n  PostgreSQL         ${stack.databaseUrl.replace(/:[^:@/]+@/, ':***@')}`);
console.log(`  NATS (JetStream)   ${stack.natsUrl}`);
console.log('\nLogs (JSON): .data/logs/<service>.log');
console.log('Next: curl http://127.0.0.1:3004/readyz to check a service; Ctrl-C stops everything.');
