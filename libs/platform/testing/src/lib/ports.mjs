// Plain JavaScript on purpose: tools/local-stack/local-stack.mjs picks the stack's ports with it
// before anything can compile TypeScript, and the tests use the same code (typed by ports.d.mts).
import fs from 'node:fs';
import net from 'node:net';

const LOWEST_TEST_PORT = 10_000;
const WORKER_SLICES = 8;

/**
 * Ports the kernel hands out for listen(0) and for every outgoing connection come from the same
 * ephemeral range, so with two jest workers, a port one worker found free was at times taken by
 * the other's connections before it bound it (EADDRINUSE). Under jest, each worker draws from its
 * own slice below that range instead, in order from a random start.
 */
function workerPorts() {
  const worker = Number(process.env.JEST_WORKER_ID);
  if (!Number.isInteger(worker) || worker < 1) return null;
  let ephemeralStart = 32_768;
  try {
    ephemeralStart = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || ephemeralStart;
  } catch {
    // not Linux: the usual default
  }
  const size = Math.floor((ephemeralStart - LOWEST_TEST_PORT) / WORKER_SLICES);
  const low = LOWEST_TEST_PORT + ((worker - 1) % WORKER_SLICES) * size;
  return { low, size };
}

const slice = workerPorts();
let cursor = slice ? Math.floor(Math.random() * slice.size) : 0;

/** The next port of this worker's slice that is free now, or null after a full round. */
async function nextSlicePort(count) {
  for (let tried = 0; tried < slice.size; tried++) {
    cursor = (cursor + 1) % (slice.size - count);
    const first = slice.low + cursor;
    let free = true;
    for (let port = first; port < first + count && free; port++) free = await portIsFree(port);
    if (free) {
      cursor += count - 1;
      return first;
    }
  }
  return null;
}

/** A port free on 127.0.0.1 right now; tests bind only there. */
export async function freePort() {
  if (slice) {
    const port = await nextSlicePort(1);
    if (port !== null) return port;
  }
  return ephemeralPort();
}

function ephemeralPort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Whether `port` can be bound on 127.0.0.1 right now. */
export function portIsFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * The first of `count` consecutive ports free on 127.0.0.1 right now: the local proxy takes its
 * data plane's port and the two above it (tunnel endpoint, relay).
 */
export async function freePortRun(count) {
  if (slice) {
    const first = await nextSlicePort(count);
    if (first !== null) return first;
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await ephemeralPort();
    if (first + count - 1 > 65_535) continue;
    let free = true;
    for (let port = first + 1; port < first + count && free; port++) free = await portIsFree(port);
    if (free) return first;
  }
  throw new Error(`no run of ${count} free ports found`);
}
