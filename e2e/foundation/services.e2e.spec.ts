import { DevSecrets, devServiceEnvironment, ensureDevSecrets } from '@portcullis/local-stack';
import { dropSchema, freePortRun, NatsServerProcess, ServiceProcess, stackEnvironment, uniqueName, waitFor } from '@portcullis/platform/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const services = ['identity', 'policy', 'kubeconfig-issuer', 'proxy', 'sa-provisioner', 'audit'];
const { databaseUrl, natsUrl } = stackEnvironment();

async function probe(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  return { status: response.status, body: await response.text() };
}

const secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-secrets-'));
let secrets: DevSecrets;
let proxyPort: number;

beforeAll(async () => {
  secrets = await ensureDevSecrets(secretsDir);
  proxyPort = await freePortRun(3);
});

afterAll(() => fs.rmSync(secretsDir, { recursive: true, force: true }));

/** What `npm start` gives a service; the IdP is never contacted before someone signs in. */
function serviceEnv(service: string, schema: string, nats = natsUrl) {
  const endpoints = {
    databaseUrl,
    natsUrl: nats,
    identityUrl: 'http://127.0.0.1:3001',
    idpIssuer: 'http://127.0.0.1:5556',
    idpClientId: 'portcullis',
    idpClientSecret: 'not-used-here',
    proxyPublicUrl: `https://127.0.0.1:${proxyPort}`,
  };
  return { ...devServiceEnvironment(service, secrets, endpoints), HTTP_PORT: '0', DATABASE_SCHEMA: schema, DATABASE_MIGRATE_ON_START: 'true' };
}

describe('every service, started from its entry point', () => {
  const run = uniqueName('boot');
  const started: ServiceProcess[] = [];

  afterAll(async () => {
    await Promise.all(started.map((service) => service.stop()));
    for (const service of services) await dropSchema(databaseUrl, `${run}_${service.replace(/-/g, '_')}`);
  });

  it('boots, migrates its schema, and reports alive, ready and metrics', async () => {
    for (const name of services) started.push(new ServiceProcess(name, serviceEnv(name, `${run}_${name.replace(/-/g, '_')}`)));

    for (const service of started) {
      const url = await waitFor(() => service.readyUrl(), `${service.name} to log ready`, 60_000);
      const ready = await probe(`${url}/readyz`);
      expect({ service: service.name, status: ready.status }).toEqual({ service: service.name, status: 200 });
      expect(JSON.parse(ready.body)).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, nats: { status: 'up' } } });
      expect((await probe(`${url}/healthz`)).status).toBe(200);
      expect((await probe(`${url}/metrics`)).body).toContain(`process_cpu_user_seconds_total{service="${service.name}"}`);
      // Every line a service prints is a JSON object: log shippers must not have to guess.
      for (const line of service.lines) expect(() => JSON.parse(line)).not.toThrow();
    }
  });
});

describe('readiness follows NATS', () => {
  const schema = uniqueName('readiness');
  let nats: NatsServerProcess;
  let service: ServiceProcess;

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
  });

  afterAll(async () => {
    await service?.stop();
    await nats.stop();
    await dropSchema(databaseUrl, schema);
  });

  it('turns false when NATS stops and true again when it returns, without a restart', async () => {
    service = new ServiceProcess('audit', serviceEnv('audit', schema, nats.url));
    const url = await waitFor(() => service.readyUrl(), 'audit to log ready', 60_000);
    expect((await probe(`${url}/readyz`)).status).toBe(200);

    await nats.halt();
    const down = await waitFor(async () => {
      const result = await probe(`${url}/readyz`);
      return result.status === 503 ? result : undefined;
    }, 'readiness to turn false', 15_000);
    expect(JSON.parse(down.body)).toMatchObject({ status: 'error', error: { nats: { status: 'down' } } });
    expect((await probe(`${url}/healthz`)).status).toBe(200);

    await nats.resume();
    await waitFor(async () => (await probe(`${url}/readyz`)).status === 200, 'readiness to turn true again', 15_000);
    const exitedMeanwhile = await Promise.race([service.exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 50))]);
    expect(exitedMeanwhile).toBe(false);
  });
});

describe('configuration errors', () => {
  it('stop a service with one line naming the missing variable', async () => {
    const service = new ServiceProcess('policy', { ...serviceEnv('policy', 'unused'), DATABASE_URL: undefined });

    const exit = await service.exited;

    expect(exit.code).toBe(78);
    expect(service.stderr).toEqual(['portcullis-policy: Invalid configuration: DATABASE_URL is required, expects a postgres:// connection URL']);
    expect(service.lines).toEqual([]);
  });
});
