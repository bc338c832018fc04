import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { ReadinessChecks } from './readiness-checks';

@Module({ imports: [TerminusModule.forRoot({ logger: false })], controllers: [HealthController], providers: [ReadinessChecks] })
class HealthTestModule {}

describe(HealthController.name, () => {
  let app: INestApplication;
  let readiness: ReadinessChecks;
  let url: string;

  beforeEach(async () => {
    app = await NestFactory.create(HealthTestModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    readiness = app.get(ReadinessChecks);
    url = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });

  afterEach(async () => {
    await app.close();
  });

  async function get(path: string) {
    const response = await fetch(`${url}${path}`);
    return { status: response.status, body: (await response.json()) as { status: string; error?: object } };
  }

  it('is ready while every registered check passes', async () => {
    readiness.register('database', () => true, 'PostgreSQL does not answer');
    readiness.register('revocations', async () => true, 'stored revocations are still being replayed');

    expect(await get('/readyz')).toEqual({
      status: 200,
      body: {
        status: 'ok',
        info: { database: { status: 'up' }, revocations: { status: 'up' } },
        error: {},
        details: { database: { status: 'up' }, revocations: { status: 'up' } },
      },
    });
  });

  it('answers 503 naming each failing check with its message, and follows the checks as they change', async () => {
    let listening = false;
    readiness.register('database', () => true, 'PostgreSQL does not answer');
    readiness.register('dataPlane', () => listening, 'the data plane is not listening');
    readiness.register('policyChanges', () => Promise.reject(new Error('boom')), 'not yet following policy changes');

    expect(await get('/readyz')).toEqual({
      status: 503,
      body: {
        status: 'error',
        info: { database: { status: 'up' } },
        error: {
          dataPlane: { status: 'down', message: 'the data plane is not listening' },
          policyChanges: { status: 'down', message: 'not yet following policy changes' },
        },
        details: {
          database: { status: 'up' },
          dataPlane: { status: 'down', message: 'the data plane is not listening' },
          policyChanges: { status: 'down', message: 'not yet following policy changes' },
        },
      },
    });

    listening = true;
    expect((await get('/readyz')).body.error).toEqual({ policyChanges: { status: 'down', message: 'not yet following policy changes' } });
  });

  it('stays alive while not ready: /healthz runs none of the readiness checks', async () => {
    readiness.register('nats', () => false, 'NATS does not answer');

    expect(await get('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('refuses a second check under a name already registered', () => {
    readiness.register('database', () => true, 'PostgreSQL does not answer');

    expect(() => readiness.register('database', () => true, 'again')).toThrow('a readiness check named "database" is registered already');
  });
});
