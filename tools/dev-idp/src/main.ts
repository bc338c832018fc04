import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DevIdentityProvider } from './dev-identity-provider';

// npm run dev-idp -- [--port <port>] [--config <file>]
// Prints exactly one line, `ready http://127.0.0.1:<port>`, once the server answers; stops on
// SIGTERM/SIGINT. An unusable configuration prints one line to stderr and exits with code 1.

const DEFAULT_CONFIG = join(__dirname, '..', 'dev-users.yaml');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      config: { type: 'string', default: DEFAULT_CONFIG },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) throw new Error(`invalid --port ${values.port}`);
  const idp = await DevIdentityProvider.start({ port, config: values.config });
  await waitUntilAnswering(idp.issuer);
  process.stdout.write(`ready ${idp.issuer}\n`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    idp.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`dev-idp: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** One real round trip, so "ready" means a client can discover the provider. */
async function waitUntilAnswering(issuer: string): Promise<void> {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`discovery answered ${response.status}`);
}

main().catch((error: unknown) => {
  console.error(`dev-idp: ${(error as Error).message.replace(/\s*\n\s*/g, ' ')}`);
  process.exit(1);
});
