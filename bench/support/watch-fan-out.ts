// Watch fan-out for the proxy benchmarks: a minimal upstream that holds many watch streams cheaply
// and writes one event to all of them on request, and a client that opens the watches and times
// how long an event takes to reach every one.

import type { DevPki } from '@portcullis/dev-pki';
import { waitFor } from '@portcullis/platform/testing';
import { ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import { ClientHttp2Session } from 'node:http2';
import path from 'node:path';
import { Bench, percentile, sleep } from './bench-tools';

/**
 * The fan-out upstream (a child process, so its memory is its own): every stream whose path has
 * `watch=1` is held open; anything else gets an empty ConfigMapList. Given a Secret (a JSON file),
 * it also answers GET and PUT of that one Secret's path from memory, over HTTP/1.1 too: that is
 * all a cluster agent asks of the API server in its kubeconfig besides the requests it relays
 * (client-node reads the identity Secret over HTTP/1.1). Bench scaffolding, not an API server.
 */
const FANOUT_UPSTREAM = `
const http2 = require('node:http2');
const fs = require('node:fs');
const [certFile, keyFile, secretFile] = process.argv.slice(2);
let secret = secretFile ? fs.readFileSync(secretFile, 'utf8') : undefined;
const secretPath = secret ? '/api/v1/namespaces/' + JSON.parse(secret).metadata.namespace + '/secrets/' + JSON.parse(secret).metadata.name : undefined;
const server = http2.createSecureServer({ cert: fs.readFileSync(certFile), key: fs.readFileSync(keyFile), allowHTTP1: Boolean(secret), settings: { maxConcurrentStreams: 100 } });
const watches = new Set();
function answerSecret(method, body, respond) {
  if (method === 'PUT') secret = body;
  if (method !== 'GET' && method !== 'PUT') return respond(405, '{"kind":"Status","apiVersion":"v1","status":"Failure","code":405}');
  respond(200, secret);
}
server.on('stream', (stream, headers) => {
  stream.on('error', () => undefined);
  const path = String(headers[':path']).split('?')[0];
  if (secretPath && path === secretPath) {
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => (body += chunk));
    stream.on('end', () => answerSecret(headers[':method'], body, (status, text) => { stream.respond({ ':status': status, 'content-type': 'application/json' }); stream.end(text); }));
    return;
  }
  stream.respond({ ':status': 200, 'content-type': 'application/json' });
  if (String(headers[':path']).includes('watch=1')) {
    watches.add(stream);
    stream.on('close', () => watches.delete(stream));
  } else {
    stream.end('{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}');
  }
});
// HTTP/1.1 (only with a Secret): the Secret's path and nothing else. HTTP/2 streams, which the
// compatibility layer also reports here, are answered above.
if (secret) {
  server.on('request', (request, response) => {
    if (request.httpVersionMajor === 2) return;
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const respond = (status, text) => { response.writeHead(status, { 'content-type': 'application/json' }); response.end(text); };
      if (request.url.split('?')[0] !== secretPath) return respond(404, '{"kind":"Status","apiVersion":"v1","status":"Failure","code":404}');
      answerSecret(request.method, body, respond);
    });
  });
}
process.on('message', (message) => {
  if (message.type === 'emit') {
    const line = JSON.stringify({ type: 'MODIFIED', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'fanout', namespace: 'default', resourceVersion: String(message.seq) }, data: { seq: String(message.seq) } } }) + '\\n';
    for (const stream of watches) stream.write(line);
  }
  if (message.type === 'count') process.send({ type: 'count', count: watches.size });
});
server.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }));
`;

export interface FanOutUpstream {
  port: number;
  process: ChildProcess;
  /** Watch streams it holds now. */
  count(): Promise<number>;
  /** Writes event `seq` to every watch. */
  emit(seq: number): void;
}

/** Starts the fan-out upstream with the upstream PKI's serving certificate; `secretFile`: see FANOUT_UPSTREAM. */
export async function startFanOutUpstream(bench: Bench, upstreamPki: DevPki, secretFile?: string, node = process.execPath): Promise<FanOutUpstream> {
  const script = path.join(bench.dir, 'fanout-upstream.js');
  fs.writeFileSync(script, FANOUT_UPSTREAM);
  const child = bench.track(fork(script, [upstreamPki.proxyCertFile, upstreamPki.proxyKeyFile, ...(secretFile ? [secretFile] : [])], { stdio: 'ignore', execPath: node }));
  const port = await new Promise<number>((resolve) => child.once('message', (message: { port: number }) => resolve(message.port)));
  return {
    port,
    process: child,
    count: () =>
      new Promise<number>((resolve) => {
        child.once('message', (message: { count: number }) => resolve(message.count));
        child.send({ type: 'count' });
      }),
    emit: (seq) => child.send({ type: 'emit', seq }),
  };
}

export interface FanOutTarget {
  connect: () => ClientHttp2Session;
  path: string;
  /** Watch streams per connection: as many as the server allows. */
  perSession: number;
}

/**
 * Opens `watches` watches, calls `whenEstablished` once every one is open at the upstream and
 * two seconds passed, then times five events from the upstream's write to each watch's first byte.
 * Returns the delivery latencies, sorted.
 */
export async function fanOut(
  target: FanOutTarget,
  watches: number,
  upstream: FanOutUpstream,
  options: { whenEstablished?: () => void | Promise<void>; eventNote?: string } = {},
): Promise<number[]> {
  const sessions: ClientHttp2Session[] = [];
  const arrivals: number[][] = [];
  let established = 0;
  let failed = 0;
  const startedAt = Date.now();
  for (let i = 0; i < watches; i++) {
    if (i % target.perSession === 0) {
      const session = target.connect();
      session.on('error', () => undefined);
      sessions.push(session);
    }
    const index = i;
    arrivals[index] = [];
    const stream = sessions[sessions.length - 1].request({ ':path': target.path });
    stream.on('response', (headers) => {
      if (headers[':status'] === 200) {
        established++;
        return;
      }
      if (failed++ === 0) stream.on('data', (chunk: Buffer) => console.log(`  first refusal: ${headers[':status']} ${chunk.toString().slice(0, 300)}`));
    });
    stream.on('data', () => arrivals[index].push(Date.now()));
    stream.on('error', () => undefined);
    if (i % 250 === 249) await new Promise((resolve) => setImmediate(resolve));
  }
  try {
    await waitFor(async () => established + failed === watches && (await upstream.count()) === established, 'every watch to be established', 120_000, 250);
    console.log(`  ${established} watches established in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (${failed} refused)`);
    await sleep(2_000);
    await options.whenEstablished?.();

    const latencies: number[] = [];
    for (let seq = 1; seq <= 5; seq++) {
      for (const list of arrivals) list.length = 0;
      const sentAt = Date.now();
      upstream.emit(seq);
      await waitFor(() => arrivals.every((list) => list.length > 0), `event ${seq} to reach every watch`, 30_000, 5).catch(() => undefined);
      for (const list of arrivals) if (list.length > 0) latencies.push(list[0] - sentAt);
      await sleep(500);
    }
    latencies.sort((a, b) => a - b);
    console.log(
      `  event to all watches (5 events, ${latencies.length} deliveries): p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies[latencies.length - 1]} ms${options.eventNote ? ` ${options.eventNote}` : ''}`,
    );
    return latencies;
  } finally {
    for (const session of sessions) session.destroy();
  }
}
