import { ensureDevPki } from '@portcullis/dev-pki';
import { MessagingConnection, MessagingConnectionOptions, MessagingConnectionRefusedError } from '@portcullis/platform/messaging';
import { NatsServerOptions, NatsServerProcess } from '@portcullis/platform/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NatsOperator } from './support/nats-operator';

// Each broker asks for one thing; all on 127.0.0.1, on free ports, gone after the suite.
const servers: NatsServerProcess[] = [];
let dir: string;
let withPassword: NatsServerProcess;
let withToken: NatsServerProcess;
let withOperator: NatsServerProcess;
let withTls: NatsServerProcess;
let operator: NatsOperator;
let caFile: string;

async function startNats(options: NatsServerOptions = {}): Promise<NatsServerProcess> {
  const server = await NatsServerProcess.start(options);
  servers.push(server);
  return server;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-nats-auth-'));
  const pki = await ensureDevPki(path.join(dir, 'pki'));
  // The development proxy's serving certificate names 127.0.0.1, so it serves a test broker as well.
  caFile = pki.proxyCaCertFile;
  operator = new NatsOperator(dir);
  [withPassword, withToken, withOperator, withTls] = await Promise.all([
    startNats({ user: { name: 'portcullis', password: 'right-password' } }),
    startNats({ token: 'right-token' }),
    startNats({ configFile: operator.writeServerConfig() }),
    startNats({ tls: { certFile: pki.proxyCertFile, keyFile: pki.proxyKeyFile } }),
  ]);
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function expectConnects(options: Omit<MessagingConnectionOptions, 'name'>): Promise<MessagingConnection> {
  const connection = await MessagingConnection.open({ name: 'authentication-test', ...options });
  try {
    // open() has already asked JetStream for the account; a round trip proves the session works.
    expect(await connection.isHealthy()).toBe(true);
    return connection;
  } finally {
    await connection.close();
  }
}

async function refusal(options: Omit<MessagingConnectionOptions, 'name'>): Promise<MessagingConnectionRefusedError> {
  const error = await MessagingConnection.open({ name: 'authentication-test', ...options }).then(
    () => new Error('connected'),
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(MessagingConnectionRefusedError);
  return error as MessagingConnectionRefusedError;
}

// Each refusal must come at once: a first connection that retried them would hang the service's boot.
const fast = 5_000;

describe('MessagingConnection with user and password', () => {
  it('connects with the right password', async () => {
    await expectConnects({ url: withPassword.url, credentials: { user: 'portcullis', password: 'right-password' } });
  });

  it('is refused a wrong password, saying so', async () => {
    const error = await refusal({ url: withPassword.url, credentials: { user: 'portcullis', password: 'wrong-password' } });

    expect(error.reason).toBe('credentials');
    expect(error.message).toBe(`NATS at ${withPassword.url} refused the credentials: Authorization Violation`);
    expect(error.message).not.toContain('wrong-password');
  }, fast);

  it('is refused without credentials', async () => {
    expect((await refusal({ url: withPassword.url })).reason).toBe('credentials');
  }, fast);
});

describe('MessagingConnection with a token', () => {
  it('connects with the right token', async () => {
    await expectConnects({ url: withToken.url, credentials: { token: 'right-token' } });
  });

  it('is refused a wrong token', async () => {
    const error = await refusal({ url: withToken.url, credentials: { token: 'wrong-token' } });

    expect(error.reason).toBe('credentials');
    expect(error.message).not.toContain('wrong-token');
  }, fast);
});

describe('MessagingConnection with a .creds file (operator mode)', () => {
  it("connects as a user of the server's account, with JetStream", async () => {
    await expectConnects({ url: withOperator.url, credentials: { credsFile: operator.writeUserCreds('portcullis-service') } });
  });

  it('is refused a user signed by an account the server does not know', async () => {
    const error = await refusal({ url: withOperator.url, credentials: { credsFile: operator.writeUserCreds('stranger', 'unknown account') } });

    expect(error.reason).toBe('credentials');
  }, fast);
});

describe('MessagingConnection with TLS', () => {
  it('connects to a tls:// URL, verifying the server against the CA file', async () => {
    await expectConnects({ url: `tls://127.0.0.1:${withTls.port}`, caFile });
  });

  it('connects to a nats:// URL of a server that requires TLS, with the CA file', async () => {
    await expectConnects({ url: withTls.url, caFile });
  });

  it('fails without the CA file: the server is not trusted', async () => {
    const error = await refusal({ url: `tls://127.0.0.1:${withTls.port}` });

    expect(error.reason).toBe('tls');
    expect(error.message).toContain('unable to verify the first certificate');
  }, fast);

  it('fails when TLS is required and the server does not offer it, rather than sending credentials in clear', async () => {
    const error = await refusal({ url: withToken.url, credentials: { token: 'right-token' }, caFile });

    expect(error.reason).toBe('tls');
  }, fast);
});

describe('MessagingConnection.open', () => {
  it('waits for a broker that does not answer yet, as a service started with it does', async () => {
    const nats = await startNats();
    const warnings: string[] = [];
    await nats.halt();
    const opening = MessagingConnection.open({
      url: [nats.url],
      name: 'authentication-test',
      logger: { info: () => undefined, warn: (_details, message) => warnings.push(message), error: () => undefined },
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await nats.resume();

    const connection = await opening;
    await connection.close();
    expect(warnings).toEqual(['NATS does not answer yet; retrying']);
  });
});
