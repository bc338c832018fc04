// Tools the proxy benchmarks share: a scratch directory that ends every process it started, nginx
// with a throw-away configuration, wrk (with a client certificate, through an LD_PRELOAD shim),
// and a few measurements (RSS, CPU time, percentiles).

import { freePort, waitFor } from '@portcullis/platform/testing';
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

export function nginxBinary(): string | undefined {
  for (const candidate of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (fs.existsSync(candidate)) return candidate;
  return has('nginx') ? 'nginx' : undefined;
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A scratch directory, the processes started in it, and what to undo at the end (in reverse order). */
export class Bench {
  readonly dir: string;
  private readonly children: ChildProcess[] = [];
  private readonly cleanups: Array<() => Promise<void> | void> = [];
  private readonly nginxMasters = new Map<string, number>();

  constructor(prefix: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  }

  track(child: ChildProcess): ChildProcess {
    this.children.push(child);
    return child;
  }

  onCleanup(cleanup: () => Promise<void> | void): void {
    this.cleanups.push(cleanup);
  }

  async close(): Promise<void> {
    for (const cleanup of this.cleanups.reverse()) await cleanup();
    for (const child of this.children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** nginx with one worker process and one TLS server (HTTP/2 and HTTP/1.1); returns its port. */
  async nginx(name: string, serverBlock: string, httpBlock = ''): Promise<number> {
    const binary = nginxBinary();
    if (!binary) throw new Error('nginx is not installed');
    const port = await freePort();
    const prefix = path.join(this.dir, name);
    fs.mkdirSync(path.join(prefix, 'logs'), { recursive: true });
    const config = path.join(prefix, 'nginx.conf');
    fs.writeFileSync(
      config,
      `worker_processes 1;
daemon off;
master_process on;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  keepalive_requests 1000000;
${httpBlock.replace(/^/gm, '  ')}
  server {
    listen 127.0.0.1:${port} ssl http2;
${serverBlock.replace(/^/gm, '    ')}
  }
}
`,
    );
    const master = this.track(spawn(binary, ['-p', prefix, '-c', config], { stdio: 'ignore' }));
    this.nginxMasters.set(name, master.pid ?? 0);
    // SIGTERM makes the master stop its workers; a SIGKILLed master would leave them running.
    this.onCleanup(async () => {
      if (master.exitCode !== null || master.signalCode !== null) return;
      const exited = new Promise((resolve) => master.once('exit', resolve));
      master.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    });
    await waitFor(() => canConnect(port), `nginx (${name}) on port ${port}`, 10_000);
    return port;
  }

  /** The master process of nginx `name` (its worker is its child). */
  nginxPid(name: string): number | undefined {
    return this.nginxMasters.get(name);
  }
}

export interface WrkResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: string;
}

function toMs(value: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(value.trim());
  if (!match) return NaN;
  const factor = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as 'us' | 'ms' | 's' | 'm'];
  return Number(match[1]) * factor;
}

export function parseWrk(output: string): WrkResult {
  const requests = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]);
  const p50 = /^\s+50%\s+(\S+)$/m.exec(output)?.[1] ?? '';
  const p99 = /^\s+99%\s+(\S+)$/m.exec(output)?.[1] ?? '';
  const errors = [/Socket errors:.*$/m.exec(output)?.[0], /Non-2xx or 3xx responses: \d+/.exec(output)?.[0]].filter(Boolean).join('; ');
  return { requestsPerSecond: requests, p50Ms: toMs(p50), p99Ms: toMs(p99), errors };
}

/**
 * wrk cannot present a client certificate, which Portcullis requires: this 15-line LD_PRELOAD shim
 * (compiled here with gcc) adds WRK_CLIENT_CERT / WRK_CLIENT_KEY to wrk's TLS context.
 * Undefined when gcc is missing.
 */
export function buildClientCertShim(dir: string): string | undefined {
  if (!has('gcc')) return undefined;
  const source = path.join(dir, 'wrk-client-cert.c');
  const library = path.join(dir, 'wrk-client-cert.so');
  fs.writeFileSync(
    source,
    `#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_method_st SSL_METHOD;
int SSL_CTX_use_certificate_chain_file(SSL_CTX *ctx, const char *file);
int SSL_CTX_use_PrivateKey_file(SSL_CTX *ctx, const char *file, int type);
SSL_CTX *SSL_CTX_new(const SSL_METHOD *method) {
  static SSL_CTX *(*real)(const SSL_METHOD *);
  if (!real) real = (SSL_CTX *(*)(const SSL_METHOD *))dlsym(RTLD_NEXT, "SSL_CTX_new");
  SSL_CTX *ctx = real(method);
  const char *cert = getenv("WRK_CLIENT_CERT"), *key = getenv("WRK_CLIENT_KEY");
  if (ctx && cert && key) { SSL_CTX_use_certificate_chain_file(ctx, cert); SSL_CTX_use_PrivateKey_file(ctx, key, 1); }
  return ctx;
}
`,
  );
  execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-o', library, source, '-ldl']);
  return library;
}

/** The environment that makes wrk present `certFile`/`keyFile`. */
export function wrkClientCertEnv(shim: string, certFile: string, keyFile: string): NodeJS.ProcessEnv {
  return { LD_PRELOAD: shim, WRK_CLIENT_CERT: certFile, WRK_CLIENT_KEY: keyFile };
}

export interface WrkOptions {
  connections: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * wrk at full speed (closed loop: each connection sends its next request when the previous one is
 * answered). For latency at a given rate use constant-rate-load.ts: wrk's pacing hides queueing.
 */
export function runWrk(url: string, seconds: number, options: WrkOptions): WrkResult {
  const output = execFileSync('wrk', ['-t2', `-c${options.connections}`, `-d${seconds}s`, '--latency', '--timeout', '10s', url], {
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
  });
  return parseWrk(output);
}

/** One GET before measuring: every peer must return the document itself. */
export function probeOnce(url: string, credential?: { certPem: string; keyPem: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const client = url.startsWith('https:') ? https : http;
    const request = client.get(url, { rejectUnauthorized: false, cert: credential?.certPem, key: credential?.keyPem, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', (error) => resolve({ status: 0, body: error.message }));
  });
}

/**
 * A GET over a connection of its own, for a service's /metrics: the bench's event loop sits blocked
 * in wrk (execFileSync) for seconds, so a pooled keep-alive connection may be one the server has
 * closed meanwhile, unnoticed ("other side closed").
 */
export async function getText(url: string): Promise<string> {
  const { status, body } = await probeOnce(url);
  if (status !== 200) throw new Error(`GET ${url} answered ${status} ${body.slice(0, 200)}`);
  return body;
}

export function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

/** Clock ticks per second of the CPU times in /proc/<pid>/stat. */
const CLOCK_TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** /proc/<pid>/stat's fields from the third (state) on: the second, the command, may hold spaces. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // gone
  }
}

/**
 * User + system CPU time a process has used so far, in milliseconds (utime + stime, every thread);
 * with `withChildren`, plus that of its running children (nginx's master and its workers).
 */
export function cpuTimeMs(pid: number, options: { withChildren?: boolean } = {}): number {
  const ticks = (fields: string[] | undefined) => (fields ? Number(fields[11]) + Number(fields[12]) : 0);
  let total = ticks(statFields(pid));
  if (options.withChildren) {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const fields = statFields(Number(entry));
      if (fields && Number(fields[1]) === pid) total += ticks(fields);
    }
  }
  return (total * 1000) / CLOCK_TICKS_PER_SECOND;
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const fmt = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A benchmark's entry point: refuses to start (one line, exit 1) when a tool it needs is missing,
 * cleans up every process and file it started however it ends, Ctrl-C included.
 */
export async function runBench(dirPrefix: string, needs: string[], run: (bench: Bench) => Promise<void>): Promise<void> {
  const missing = needs.filter((command) => !has(command));
  if (missing.length) {
    console.log(`cannot run: ${missing.join(', ')} not installed (Debian: apt-get install ${missing.join(' ')})`);
    process.exitCode = 1;
    return;
  }
  const bench = new Bench(dirPrefix);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void bench.close().then(() => process.exit(130)));
  try {
    await run(bench);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await bench.close();
  }
}
