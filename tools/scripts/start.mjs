// `npm start`: install what is missing, make PostgreSQL and NATS available, start the
// development IdP, two demo clusters (the Kubernetes API emulator) and every service, register
// the clusters and their grants through the admin API — `demo` in direct mode, `demo-private` in
// agent mode, reached only through its cluster agent (one more local process) — and print what
// to do next.
// A process that exits is started again after a growing delay while the others keep running, as
// in the cluster (tools/local-stack/supervisor.mjs); Ctrl-C or SIGTERM stops everything it started.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessSupervisor } from '../local-stack/supervisor.mjs';
import { ensureDependencies } from './ensure-deps.mjs';
import { reexecOnProductionRuntime } from './runtime.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = path.join(root, '.data');
const READY_TIMEOUT_MS = 60_000;
const wanted = {
  identity: 3001,
  policy: 3002,
  'kubeconfig-issuer': 3003,
  proxy: 3004,
  'sa-provisioner': 3005,
  audit: 3006,
  'cluster-agent': 3007,
  // The proxy's tunnel endpoint and relay take the two ports above its data plane.
  proxyTls: 8443,
  idp: 5556,
  demoCluster: 6443,
  privateCluster: 6444,
};

await reexecOnProductionRuntime();
ensureDependencies();
const { ensureStack, freePort, StackError } = await import('../local-stack/local-stack.mjs');
// The shared TypeScript helpers (secrets, per-service variables, demo setup) run through the
// same on-the-fly compiler the services use.
const require = createRequire(import.meta.url);
require('@swc-node/register');
const { ensureDevSecrets, devServiceEnvironment, installAgentManifest, proxyTunnelPort, setUpDemoCluster } = require('../local-stack/src/index.ts');
const YAML = require('yaml');

const startedAt = Date.now();
const supervisor = new ProcessSupervisor({ log: (line) => console.log(`[start] ${line}`) });
let stack;
let stopping = false;

// Never resolves once stopping: the process exits at its end, so code awaiting it goes no further.
async function stopAll(code) {
  if (stopping) return new Promise(() => undefined);
  stopping = true;
  console.log('\n[start] stopping');
  await supervisor.stop();
  await stack?.stop();
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

function fail(message) {
  console.error(`[start] ${message}`);
  return stopAll(1);
}

const PRIVATE_CLUSTER = 'demo-private';

const portInUse = (port) =>
  new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
const ports = {};
for (const [name, port] of Object.entries(wanted)) ports[name] = (await portInUse(port)) ? await freePort() : port;
// The tunnel endpoint and the relay sit right above the data plane: move all three together.
while ((await portInUse(ports.proxyTls + 1)) || (await portInUse(ports.proxyTls + 2))) ports.proxyTls = await freePort();

try {
  stack = await ensureStack({ dataDir });
} catch (error) {
  console.error(error instanceof StackError ? `[stack] ${error.message}` : error);
  process.exit(1);
}

const logDir = path.join(dataDir, 'logs');
fs.mkdirSync(logDir, { recursive: true });

// What a service logs once it listens (libs/platform/service's bootstrap).
const SERVICE_READY_LINE = /"msg":"ready"/;

/** Starts a supervised child with its output in .data/logs/<name>.log. */
function launch(name, args, env, { readyLine = SERVICE_READY_LINE, restartNote } = {}) {
  return supervisor.start({
    name,
    command: process.execPath,
    args: ['-r', '@swc-node/register', ...args],
    cwd: root,
    env: { ...process.env, ...env },
    logFile: path.join(logDir, `${name}.log`),
    readyLine,
    restartNote,
  });
}

/** The child's ready-line match; a child that crashes meanwhile is retried until the deadline. */
async function readyInTime(child) {
  let timer;
  const late = new Promise((resolve) => (timer = setTimeout(() => resolve(null), READY_TIMEOUT_MS)));
  const match = await Promise.race([child.ready, late]);
  clearTimeout(timer);
  if (!match) await fail(`${child.name} not ready after ${READY_TIMEOUT_MS / 1000} s (log: .data/logs/${child.name}.log)`);
  return match;
}

// The emulator and the IdP keep everything in memory, and a restart creates it anew.
const lostClusterState = (cluster, kubeconfig, staleHolder) =>
  `it lost its state (kept in memory): seed objects only, a new CA and admin token (${path.relative(root, kubeconfig)} rewritten), which ${staleHolder} no longer matches; run npm start again to reach ${cluster} through Portcullis`;

const secrets = await ensureDevSecrets(dataDir);
const identityUrl = `http://127.0.0.1:${ports.identity}`;

// The dev IdP's client must list identity's real callback URL, whatever port identity got.
const idpConfig = YAML.parse(fs.readFileSync(path.join(root, 'tools/dev-idp/dev-users.yaml'), 'utf8'));
for (const client of idpConfig.clients) {
  client.redirect_uris = [`${identityUrl}/auth/callback`];
  client.post_logout_redirect_uris = [`${identityUrl}/`];
}
const idpConfigFile = path.join(dataDir, 'dev-idp.yaml');
fs.writeFileSync(idpConfigFile, YAML.stringify(idpConfig));
const demoKubeconfig = path.join(dataDir, 'demo-cluster-admin.kubeconfig');
const privateKubeconfig = path.join(dataDir, 'demo-private-cluster-admin.kubeconfig');

const readyUrl = /^ready (\S+)$/m;
const [idpReady, clusterReady, privateClusterReady] = await Promise.all(
  [
    launch('dev-idp', ['tools/dev-idp/src/main.ts', '--port', String(ports.idp), '--config', idpConfigFile], {}, { readyLine: readyUrl, restartNote: 'it lost its signing keys and sessions (kept in memory): users sign in again' }),
    launch('demo-cluster', ['tools/kube-emulator/src/main.ts', '--port', String(ports.demoCluster), '--kubeconfig', demoKubeconfig, '--seed', 'tools/local-stack/demo-cluster.yaml'], {}, { readyLine: readyUrl, restartNote: lostClusterState('demo', demoKubeconfig, "Portcullis's registration of demo") }),
    launch('demo-private-cluster', ['tools/kube-emulator/src/main.ts', '--port', String(ports.privateCluster), '--kubeconfig', privateKubeconfig, '--seed', 'tools/local-stack/demo-cluster.yaml'], {}, { readyLine: readyUrl, restartNote: lostClusterState(PRIVATE_CLUSTER, privateKubeconfig, 'the cluster agent') }),
  ].map(readyInTime),
);
const idpIssuer = idpReady[1];
const client = idpConfig.clients[0];
const endpoints = {
  databaseUrl: stack.databaseUrl,
  natsUrl: stack.natsUrl,
  identityUrl,
  idpIssuer,
  idpClientId: client.client_id,
  idpClientSecret: client.client_secret,
  proxyPublicUrl: `https://127.0.0.1:${ports.proxyTls}`,
};

const services = ['identity', 'policy', 'kubeconfig-issuer', 'proxy', 'sa-provisioner', 'audit'];
for (const service of services) {
  launch(service, [`apps/${service}/src/main.ts`], {
    ...devServiceEnvironment(service, secrets, endpoints),
    HTTP_PORT: String(ports[service]),
    DATABASE_MIGRATE_ON_START: 'true',
  });
}

async function ready(port) {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}
const deadline = Date.now() + READY_TIMEOUT_MS;
const pending = new Set(services);
while (pending.size && Date.now() < deadline && !stopping) {
  for (const service of [...pending]) if (await ready(ports[service])) pending.delete(service);
  if (pending.size) await new Promise((resolve) => setTimeout(resolve, 250));
}
if (stopping) await new Promise(() => undefined);
// A service that crashed meanwhile was restarted; only the deadline fails the start.
if (pending.size) await fail(`not ready after ${READY_TIMEOUT_MS / 1000} s: ${[...pending].join(', ')} (logs in .data/logs/)`);

/** What the emulator's admin kubeconfig says: how an admin reaches that cluster. */
function adminAccess(kubeconfigFile, server) {
  const admin = YAML.parse(fs.readFileSync(kubeconfigFile, 'utf8'));
  return { server, caBundle: Buffer.from(admin.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), token: admin.users[0].user.token };
}

let registration;
try {
  ({ privateCluster: registration } = await setUpDemoCluster({
    policyUrl: `http://127.0.0.1:${ports.policy}`,
    identityUrl,
    signingKeysFile: secrets.signingKeysFile,
    cluster: adminAccess(demoKubeconfig, clusterReady[1]),
    privateCluster: { name: PRIVATE_CLUSTER, displayName: 'Private demo cluster (agent mode)' },
  }));
} catch (error) {
  await fail(`registering the demo clusters failed: ${error.message}`);
}

// What an operator does on a private cluster: apply the manifest the admin API returned. The
// emulator has no kubelet, so the agent's Deployment runs here as a local process, with the
// bootstrap token and its ServiceAccount's credentials as the pod would have them.
try {
  const installed = await installAgentManifest(adminAccess(privateKubeconfig, privateClusterReady[1]), registration.manifest, path.join(dataDir, PRIVATE_CLUSTER));
  launch('cluster-agent', ['apps/cluster-agent/src/main.ts'], {
    HTTP_PORT: String(ports['cluster-agent']),
    AGENT_CLUSTER_NAME: PRIVATE_CLUSTER,
    AGENT_TUNNEL_URL: `https://127.0.0.1:${proxyTunnelPort(endpoints)}`,
    ...(installed.tunnelCaFile ? { AGENT_TUNNEL_CA_FILE: installed.tunnelCaFile } : {}),
    AGENT_BOOTSTRAP_TOKEN_FILE: installed.bootstrapTokenFile,
    AGENT_NAMESPACE: 'portcullis-system',
    KUBECONFIG: installed.kubeconfigFile,
  });
} catch (error) {
  await fail(`installing the agent of ${PRIVATE_CLUSTER} failed: ${error.message}`);
}
const agentDeadline = Date.now() + READY_TIMEOUT_MS;
while (!(await ready(ports['cluster-agent'])) && Date.now() < agentDeadline && !stopping) await new Promise((resolve) => setTimeout(resolve, 250));
if (!(await ready(ports['cluster-agent']))) await fail(`the agent of ${PRIVATE_CLUSTER} has no tunnel after ${READY_TIMEOUT_MS / 1000} s (log: .data/logs/cluster-agent.log)`);

const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
console.log(`
Portcullis is running (all ${services.length} services ready in ${seconds} s).

  Portal              ${identityUrl}   sign in as alice / alice-password (admin) or bob / bob-password (developer)
  Admin API (GraphQL) http://127.0.0.1:${ports.policy}/graphql   (Authorization: Bearer <token from ${identityUrl}/api/token>)
  Proxy (kubectl)     ${endpoints.proxyPublicUrl}
  Identity provider   ${idpIssuer}   (users in tools/dev-idp/dev-users.yaml)
  Demo clusters       demo           direct mode: the proxy dials ${clusterReady[1]}   (admin kubeconfig ${path.relative(root, demoKubeconfig)})
                      ${PRIVATE_CLUSTER}   agent mode, connected: its agent dialled out to the tunnel https://127.0.0.1:${proxyTunnelPort(endpoints)};
                                     Portcullis has no address or credential for it   (admin kubeconfig ${path.relative(root, privateKubeconfig)})
`);
for (const service of [...services, 'cluster-agent']) console.log(`  ${service.padEnd(19)} http://127.0.0.1:${ports[service]}   /healthz /readyz /metrics`);
console.log(`
  PostgreSQL          ${stack.databaseUrl.replace(/:[^:@/]+@/, ':***@')}
  NATS (JetStream)    ${stack.natsUrl}
  Logs (JSON)         .data/logs/<name>.log

Next: open ${identityUrl}, sign in as bob, download your kubeconfig, then
  kubectl --kubeconfig ~/Downloads/portcullis-kubeconfig.yaml --context demo -n team-a get pods
  kubectl --kubeconfig ~/Downloads/portcullis-kubeconfig.yaml --context ${PRIVATE_CLUSTER} -n team-a get pods
A service that crashes is restarted, and a line here says so; Ctrl-C stops everything.`);
