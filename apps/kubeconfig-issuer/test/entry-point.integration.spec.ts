import { DevPki, ensureDevPki } from '@portcullis/dev-pki';
import { KubeconfigIssueV1 } from '@portcullis/contracts';
import { MessagingConnection, Requester } from '@portcullis/platform/messaging';
import { dropSchema, NatsServerProcess, ServiceProcess, stackEnvironment, uniqueName, waitFor } from '@portcullis/platform/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { PolicyStub } from './policy.stub';

const { databaseUrl } = stackEnvironment();

/** The service as `npm start` and the images run it: apps/kubeconfig-issuer/src/main.ts in its own process. */
describe('kubeconfig-issuer from its entry point', () => {
  const schema = uniqueName('kci_main');
  let dir: string;
  let pki: DevPki;
  let nats: NatsServerProcess;
  let service: ServiceProcess | undefined;

  function serviceEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return {
      HTTP_PORT: '0',
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      DATABASE_MIGRATE_ON_START: 'true',
      NATS_URL: nats.url,
      // Everything a developer could switch on, so a key in any log line would show.
      LOG_LEVEL: 'trace',
      KUBECONFIG_CA_CERT_FILE: pki.kubeconfigCaCertFile,
      KUBECONFIG_CA_KEY_FILE: pki.kubeconfigCaKeyFile,
      PROXY_PUBLIC_URL: 'https://127.0.0.1:8443',
      PROXY_CA_CERT_FILE: pki.proxyCaCertFile,
      ...overrides,
    };
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kci-main-'));
    pki = await ensureDevPki(dir);
    nats = await NatsServerProcess.start();
  });

  afterAll(async () => {
    await service?.stop();
    await nats.stop();
    await dropSchema(databaseUrl, schema);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stops at boot with one line naming an unreadable CA key file', async () => {
    const sut = new ServiceProcess('kubeconfig-issuer', serviceEnv({ KUBECONFIG_CA_KEY_FILE: path.join(dir, 'missing.key') }));

    const exit = await sut.exited;

    expect(exit.code).toBe(78);
    expect(sut.stderr).toEqual([
      'portcullis-kubeconfig-issuer: Invalid configuration: KUBECONFIG_CA_KEY_FILE is invalid, expects a readable PEM file with the private key (EC or RSA) of KUBECONFIG_CA_CERT_FILE',
    ]);
    expect(sut.lines).toEqual([]);
  });

  it('issues a kubeconfig and never logs a private key or where the CA key lives', async () => {
    const connection = await MessagingConnection.open({ url: nats.url, name: 'kubeconfig-issuer-entry-test' });
    const policy = new PolicyStub(connection);
    try {
      policy.grant('user:alice', 'dev');
      service = new ServiceProcess('kubeconfig-issuer', serviceEnv());
      await waitFor(() => service?.readyUrl(), 'kubeconfig-issuer to log ready', 60_000);

      const issued = await new Requester(connection, 10_000).request(KubeconfigIssueV1, {
        userId: 'alice',
        email: 'alice@example.com',
        displayName: 'Alice',
        groups: ['developers'],
      });
      const issuedLine = await waitFor(() => service?.lines.find((line) => line.includes('kubeconfig issued')), 'the issue to be logged');

      const keyData = (parse(issued.kubeconfig) as { users: Array<{ user: Record<string, string> }> }).users[0].user['client-key-data'];
      const keyPems = [Buffer.from(keyData, 'base64').toString('utf8'), fs.readFileSync(pki.kubeconfigCaKeyFile, 'utf8')];
      const keyLines = keyPems.flatMap((pem) => pem.split('\n').filter((line) => line && !line.startsWith('-----')));
      const output = [...(service?.lines ?? []), ...(service?.stderr ?? [])].join('\n');
      expect(JSON.parse(issuedLine)).toMatchObject({ kubeconfigId: issued.summary.kubeconfigId, userId: 'alice', clusters: ['dev'] });
      expect(output).toContain('"KUBECONFIG_CA_KEY_FILE":"[redacted]"');
      expect(output).not.toContain(pki.kubeconfigCaKeyFile);
      expect(output).not.toContain(keyData);
      for (const line of keyLines) expect(output).not.toContain(line);
      expect(output).not.toContain('PRIVATE KEY');
    } finally {
      await policy.close();
      await connection.close();
    }
  });
});
