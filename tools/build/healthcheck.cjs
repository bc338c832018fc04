// The image's HEALTHCHECK (build-app.mjs ships it as healthcheck.js beside main.js): exits 0 when
// the service answers /healthz with 200 on HTTP_PORT, 1 otherwise. Docker and Compose use it;
// Kubernetes ignores it and probes /healthz and /readyz itself (k8s/).
// Plain CommonJS on node:http: the slim image has no curl or wget, and a dependency here would be
// one more thing in node_modules that only the healthcheck needs.
const http = require('node:http');

// Below Docker's --timeout, so a hung service is reported by this script rather than killed by Docker.
const TIMEOUT_MS = 2_000;

const port = Number(process.env.HTTP_PORT);
if (!Number.isInteger(port) || port < 1 || port > 65_535) {
  process.stderr.write(`healthcheck: HTTP_PORT is not a port (${process.env.HTTP_PORT ?? 'unset'})\n`);
  process.exit(1);
}

// Loopback whatever HTTP_HOST is: the image listens on 0.0.0.0, which includes it.
const request = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: TIMEOUT_MS, agent: false }, (response) => {
  response.resume();
  process.exitCode = response.statusCode === 200 ? 0 : 1;
  if (process.exitCode) process.stderr.write(`healthcheck: /healthz answered ${response.statusCode}\n`);
});
request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
request.on('error', (error) => {
  process.stderr.write(`healthcheck: ${error.message}\n`);
  process.exitCode = 1;
});
