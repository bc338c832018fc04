import { ensureDevPki } from '@portcullis/dev-pki';
import { loadServiceConfig } from '@portcullis/platform/config';
import { silentLogger } from '@portcullis/platform/messaging';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { messagingConnectionOptions } from './messaging-connection-options';

const env = { HTTP_PORT: '3002', DATABASE_URL: 'postgres://portcullis@db:5432/portcullis', NATS_URL: 'tls://nats-0:4222,tls://nats-1:4222' };

describe(messagingConnectionOptions.name, () => {
  let dir: string;
  let caFile: string;
  let credsFile: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'messaging-options-'));
    caFile = (await ensureDevPki(dir)).proxyCaCertFile;
    credsFile = path.join(dir, 'service.creds');
    fs.writeFileSync(
      credsFile,
      '-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJVQUJDIn0.c2ln\n------END NATS USER JWT------\n\n' +
        `-----BEGIN USER NKEY SEED-----\nSUA${'M'.repeat(55)}\n------END USER NKEY SEED------\n`,
    );
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function sut(overrides: Record<string, string> = {}) {
    return messagingConnectionOptions(loadServiceConfig({}, { ...env, ...overrides }), 'portcullis-policy', silentLogger);
  }

  it('connects to every seed server, anonymously without credentials', () => {
    expect(sut()).toMatchObject({ url: ['tls://nats-0:4222', 'tls://nats-1:4222'], name: 'portcullis-policy', credentials: undefined, caFile: undefined });
  });

  it('passes the user and password', () => {
    expect(sut({ NATS_USER: 'policy', NATS_PASSWORD: 'hunter2' }).credentials).toEqual({ user: 'policy', password: 'hunter2' });
  });

  it('passes the token', () => {
    expect(sut({ NATS_TOKEN: 's3cret-token' }).credentials).toEqual({ token: 's3cret-token' });
  });

  it('passes the .creds file', () => {
    expect(sut({ NATS_CREDS_FILE: credsFile }).credentials).toEqual({ credsFile });
  });

  it('passes the CA file', () => {
    expect(sut({ NATS_CA_FILE: caFile }).caFile).toBe(caFile);
  });
});
