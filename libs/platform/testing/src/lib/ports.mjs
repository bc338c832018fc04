// Plain JavaScript on purpose: tools/local-stack/local-stack.mjs picks the stack's ports with it
// before anything can compile TypeScript, and the tests use the same code (typed by ports.d.mts).
import net from 'node:net';

/** A port free on 127.0.0.1 right now; tests bind only there. */
export function freePort() {
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
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await freePort();
    if (first + count - 1 > 65_535) continue;
    let free = true;
    for (let port = first + 1; port < first + count && free; port++) free = await portIsFree(port);
    if (free) return first;
  }
  throw new Error(`no run of ${count} free ports found`);
}
