// Kubernetes emulator benchmark (run on demand, not part of jest):
//   node -r @swc-node/register bench/kube-emulator.bench.ts
// Targets from issue 3: a list of 1,000 pods in under 50 ms; 1,000 concurrent watches under 200 MB.
// Each figure comes with a baseline measured in the same run on the same machine: a bare Node.js
// HTTP/2 TLS server that answers the same list with a JSON.stringify of the same objects, and holds
// the same number of idle streams. Both servers run in child processes so their memory is their own.
// The emulator is compiled to JavaScript first and run by plain node, as a deployed tool would be:
// `npm run kube-emulator` transpiles on the fly with @swc-node/register, whose native compiler alone
// adds about 80 MiB of RSS that is not the emulator's.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type ClientHttp2Session } from 'node:http2';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { transformFileSync } from '@swc/core';
import { parse } from 'yaml';

const ROOT = resolve(__dirname, '..');
const BUILD = join(ROOT, 'node_modules/.cache/kube-emulator-bench');
const PODS = 1000;
const WATCHES = 1000;
const STREAMS_PER_SESSION = 100;
const LIST_RUNS = 40;

interface Server {
  url: string;
  ca: string;
  token: string;
  child: ChildProcess;
}

/** Compiles tools/kube-emulator/src to CommonJS under node_modules/.cache (so its imports resolve). */
function compileEmulator(): string {
  const source = join(ROOT, 'tools/kube-emulator/src');
  const out = BUILD;
  rmSync(out, { recursive: true, force: true });
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  for (const file of walk(source).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) {
    const { code } = transformFileSync(file, { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } });
    const target = join(out, relative(source, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, code);
  }
  return join(out, 'main.js');
}

async function startEmulator(dir: string): Promise<Server> {
  const kubeconfig = join(dir, 'kubeconfig');
  const child = spawn(process.execPath, [compileEmulator(), '--port', '0', '--kubeconfig', kubeconfig], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await readyLine(child);
  const config = parse(readFileSync(kubeconfig, 'utf8'));
  return { url, ca: Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), token: config.users[0].user.token, child };
}

/** A bare HTTP/2 TLS server: serves `body` objects as JSON.stringify per request, and holds watch streams open. */
const BASELINE_SERVER = `
const http2 = require('node:http2');
let items = [];
const { cert, key } = JSON.parse(process.argv[1]);
const server = http2.createSecureServer({ cert, key, allowHTTP1: true, settings: { maxConcurrentStreams: 100 } }, (req, res) => {
  if (req.method === 'POST') { let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => { items = JSON.parse(b); res.end('{}'); }); return; }
  if (req.url.includes('watch=1')) { res.writeHead(200, { 'content-type': 'application/json' }); res.flushHeaders(); return; }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items }));
});
server.listen(0, '127.0.0.1', () => console.log('ready https://127.0.0.1:' + server.address().port));
`;

async function startBaseline(serving: { cert: string; key: string }, ca: string): Promise<Server> {
  const child = spawn(process.execPath, ['-e', BASELINE_SERVER, JSON.stringify(serving)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return { url: await readyLine(child), ca, token: '', child };
}

function readyLine(child: ChildProcess): Promise<string> {
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /ready (\S+)\n/.exec(out);
      if (m) ok(m[1]);
    });
    child.on('exit', (code) => fail(new Error(`server exited (${code}) before ready`)));
  });
}

function rssMiB(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
  return kb / 1024;
}

/** Flow-control windows as client-go's HTTP/2 transport sets them (4 MiB per stream), not node's 64 KiB. */
function session(server: Server): ClientHttp2Session {
  const s = connect(server.url, { ca: server.ca, settings: { initialWindowSize: 4 << 20 } });
  s.on('connect', () => s.setLocalWindowSize(64 << 20));
  return s;
}

function request(s: ClientHttp2Session, server: Server, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const headers: Record<string, string> = { ':method': method, ':path': path, accept: 'application/json' };
    if (server.token) headers.authorization = `Bearer ${server.token}`;
    if (body) headers['content-type'] = 'application/json';
    const stream = s.request(headers);
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => ok({ status, body: Buffer.concat(chunks).toString() }));
    stream.on('error', fail);
    stream.end(body);
  });
}

async function timeLists(server: Server): Promise<{ median: number; p95: number; bytes: number }> {
  const s = session(server);
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < LIST_RUNS + 5; i++) {
    const start = process.hrtime.bigint();
    const res = await request(s, server, 'GET', '/api/v1/pods');
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (res.status !== 200) throw new Error(`list answered ${res.status}`);
    bytes = res.body.length;
    if (i >= 5) times.push(ms); // the first few warm the JIT
  }
  s.close();
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], p95: times[Math.floor(times.length * 0.95)], bytes };
}

/** Opens `count` watches over HTTP/2 sessions of STREAMS_PER_SESSION streams; resolves once all have headers. */
async function openWatches(server: Server, path: string, count: number): Promise<{ sessions: ClientHttp2Session[]; received: () => number }> {
  const sessions: ClientHttp2Session[] = [];
  let events = 0;
  const opened: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    if (i % STREAMS_PER_SESSION === 0) sessions.push(session(server));
    const headers: Record<string, string> = { ':path': path };
    if (server.token) headers.authorization = `Bearer ${server.token}`;
    const stream = sessions[sessions.length - 1].request(headers);
    stream.on('data', () => events++);
    stream.on('error', () => undefined);
    opened.push(new Promise((ok) => stream.on('response', () => ok())));
  }
  await Promise.all(opened);
  return { sessions, received: () => events };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kube-emulator-bench-'));
  const emulator = await startEmulator(dir);
  try {
    const admin = session(emulator);
    for (let i = 0; i < PODS; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          request(admin, emulator, 'POST', '/api/v1/namespaces/default/pods', JSON.stringify({
            metadata: { name: `pod-${String(i + j).padStart(4, '0')}`, labels: { app: 'bench', shard: String((i + j) % 10) } },
            spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80 }], env: [{ name: 'MODE', value: 'bench' }] }] },
          })),
        ),
      );
    }
    const list = JSON.parse((await request(admin, emulator, 'GET', '/api/v1/pods')).body);
    if (list.items.length !== PODS) throw new Error(`expected ${PODS} pods, listed ${list.items.length}`);

    const serving = selfSigned();
    const baseline = await startBaseline(serving, serving.cert);
    const b = session(baseline);
    await request(b, baseline, 'POST', '/', JSON.stringify(list.items));
    b.close();

    const emuList = await timeLists(emulator);
    const baseList = await timeLists(baseline);

    const rssBefore = rssMiB(emulator.child.pid!);
    const baseBefore = rssMiB(baseline.child.pid!);
    const rv = list.metadata.resourceVersion;
    const emuWatches = await openWatches(emulator, `/api/v1/namespaces/default/pods?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`, WATCHES);
    const baseWatches = await openWatches(baseline, '/api/v1/pods?watch=1', WATCHES);
    await new Promise((r) => setTimeout(r, 500));
    const rssWith = rssMiB(emulator.child.pid!);
    const baseWith = rssMiB(baseline.child.pid!);

    const fanoutStart = Date.now();
    await request(admin, emulator, 'POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ metadata: { name: 'noise' } }));
    await request(admin, emulator, 'DELETE', '/api/v1/namespaces/default/pods/pod-0000');
    while (emuWatches.received() < WATCHES) await new Promise((r) => setTimeout(r, 5));
    const fanoutMs = Date.now() - fanoutStart;

    const perWatchKiB = ((rssWith - rssBefore) * 1024) / WATCHES;
    const basePerWatchKiB = ((baseWith - baseBefore) * 1024) / WATCHES;
    const lines = [
      `kube-emulator benchmark (${PODS} pods, ${WATCHES} watches over HTTP/2, ${STREAMS_PER_SESSION} streams per connection)`,
      `list ${PODS} pods: median ${emuList.median.toFixed(1)} ms, p95 ${emuList.p95.toFixed(1)} ms, ${(emuList.bytes / 1024).toFixed(0)} KiB  (target < 50 ms: ${emuList.p95 < 50 ? 'met' : 'MISSED'})`,
      `  baseline (bare https, JSON.stringify per request): median ${baseList.median.toFixed(1)} ms, p95 ${baseList.p95.toFixed(1)} ms; ratio emulator/baseline ${(emuList.median / baseList.median).toFixed(2)}`,
      `${WATCHES} watches: emulator RSS ${rssWith.toFixed(0)} MiB total (${rssBefore.toFixed(0)} MiB before, ${perWatchKiB.toFixed(1)} KiB per watch)  (target < 200 MB: ${rssWith * 1.048576 < 200 ? 'met' : 'MISSED'})`,
      `  baseline (bare https holding idle streams): ${baseWith.toFixed(0)} MiB total (${basePerWatchKiB.toFixed(1)} KiB per watch); ratio of totals emulator/baseline ${(rssWith / baseWith).toFixed(2)}`,
      `  one DELETED event delivered to all ${WATCHES} watches in ${fanoutMs} ms`,
    ];
    console.log(lines.join('\n'));
    for (const s of [...emuWatches.sessions, ...baseWatches.sessions, admin]) s.destroy();
    baseline.child.kill('SIGTERM');
  } finally {
    emulator.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
    rmSync(BUILD, { recursive: true, force: true });
  }
}

/** A throwaway self-signed certificate for the baseline server. */
function selfSigned(): { cert: string; key: string } {
  const keyDir = mkdtempSync(join(tmpdir(), 'bench-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(keyDir, 'key'), '-out', join(keyDir, 'cert'), '-subj', '/CN=localhost', '-days', '1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { stdio: 'ignore' },
    );
    return { cert: readFileSync(join(keyDir, 'cert'), 'utf8'), key: readFileSync(join(keyDir, 'key'), 'utf8') };
  } finally {
    rmSync(keyDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
