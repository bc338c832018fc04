import { parseArgs } from 'node:util';
import { KubeEmulator } from './kube-emulator';

// npm run kube-emulator -- --port <port> --kubeconfig <file> [--seed <yaml>] [--token-auth-cache-ms <ms>]
// Prints exactly one line, `ready https://127.0.0.1:<port>`, once the server answers; stops on SIGTERM/SIGINT.

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      kubeconfig: { type: 'string' },
      seed: { type: 'string' },
      'token-auth-cache-ms': { type: 'string' },
    },
    strict: true,
  });
  if (!values.kubeconfig) throw new Error('--kubeconfig <file> is required');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --port ${values.port}`);
  const emulator = await KubeEmulator.start({
    port,
    seed: values.seed,
    ...(values['token-auth-cache-ms'] !== undefined ? { tokenAuthCacheMs: Number(values['token-auth-cache-ms']) } : {}),
  });
  emulator.writeKubeconfig(values.kubeconfig);
  await waitUntilAnswering(emulator);
  process.stdout.write(`ready ${emulator.url}\n`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    emulator.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** One real round trip over TLS, so "ready" means a client can connect. */
async function waitUntilAnswering(emulator: KubeEmulator): Promise<void> {
  const https = await import('node:https');
  await new Promise<void>((resolve, reject) => {
    const req = https.get(`${emulator.url}/readyz`, { ca: emulator.caPem, headers: { authorization: `Bearer ${emulator.adminToken}` } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`/readyz answered ${res.statusCode}`))));
    });
    req.on('error', reject);
  });
}

main().catch((e: unknown) => {
  console.error(`kube-emulator: ${(e as Error).message}`);
  process.exit(1);
});
