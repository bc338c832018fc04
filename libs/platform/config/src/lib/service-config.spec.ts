import { ensureDevPki } from '@portcullis/dev-pki';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, redactConfig } from './load-config';
import { loadServiceConfig } from './service-config';

const env = {
  HTTP_PORT: '3001',
  DATABASE_URL: 'postgres://portcullis@db.internal:5432/portcullis',
  NATS_URL: 'nats://nats.internal:4222',
};

// The shape `nsc generate creds` writes; only the shape is checked at boot, the server checks the rest.
const credsText =
  '-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJVQUJDIn0.c2lnbmF0dXJl\n------END NATS USER JWT------\n\n' +
  '************************* IMPORTANT *************************\nNKEY Seed printed below can be used to sign and prove identity.\n\n' +
  `-----BEGIN USER NKEY SEED-----\nSUA${'M'.repeat(55)}\n------END USER NKEY SEED------\n`;

describe('loadServiceConfig: NATS', () => {
  let dir: string;
  let credsFile: string;
  let caFile: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'service-config-'));
    credsFile = path.join(dir, 'service.creds');
    fs.writeFileSync(credsFile, credsText);
    caFile = (await ensureDevPki(path.join(dir, 'pki'))).proxyCaCertFile;
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function problemsOf(overrides: Record<string, string | undefined>): string {
    try {
      loadServiceConfig({}, { ...env, ...overrides });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a ConfigError');
  }

  it('connects anonymously when no credential is set', () => {
    const sut = loadServiceConfig({}, env);

    expect(sut).toMatchObject({ NATS_URL: ['nats://nats.internal:4222'], NATS_USER: undefined, NATS_PASSWORD: undefined, NATS_TOKEN: undefined, NATS_CREDS_FILE: undefined, NATS_CA_FILE: undefined });
  });

  it("takes a cluster's seed servers, comma-separated, nats:// or tls://", () => {
    const sut = loadServiceConfig({}, { ...env, NATS_URL: 'tls://nats-0.nats:4222, tls://nats-1.nats:4222,tls://nats-2.nats:4222' });

    expect(sut.NATS_URL).toEqual(['tls://nats-0.nats:4222', 'tls://nats-1.nats:4222', 'tls://nats-2.nats:4222']);
  });

  it.each([['http://nats:4222'], ['nats://nats-0:4222,'], ['nats://nats-0:4222,,nats://nats-1:4222'], ['nats://nats:4222/path'], ['nats-0:4222']])(
    'refuses %s, naming what it expects',
    (url) => {
      expect(problemsOf({ NATS_URL: url })).toBe(
        'Invalid configuration: NATS_URL is invalid, expects nats:// or tls:// URLs of the seed servers, comma-separated, ' +
          'without credentials in them (set NATS_USER and NATS_PASSWORD, or NATS_TOKEN)',
      );
    },
  );

  it.each([['nats://portcullis:hunter2@nats:4222'], ['nats://nats-0:4222,tls://hunter2@nats-1:4222']])(
    'refuses credentials in NATS_URL, which is logged, pointing to NATS_USER and NATS_PASSWORD (%s)',
    (url) => {
      const message = problemsOf({ NATS_URL: url });

      expect(message).toContain('NATS_URL is invalid');
      expect(message).toContain('set NATS_USER and NATS_PASSWORD');
      expect(message).not.toContain('hunter2');
    },
  );

  it('takes a user and password, and never logs the password', () => {
    const sut = loadServiceConfig({}, { ...env, NATS_USER: 'portcullis-policy', NATS_PASSWORD: 'hunter2' });

    expect(sut).toMatchObject({ NATS_USER: 'portcullis-policy', NATS_PASSWORD: 'hunter2' });
    expect(redactConfig(sut)).toMatchObject({ NATS_USER: 'portcullis-policy', NATS_PASSWORD: '[redacted]', NATS_URL: ['nats://nats.internal:4222'] });
  });

  it('needs the password with the user, and the user with the password', () => {
    expect(problemsOf({ NATS_USER: 'portcullis-policy' })).toBe(
      'Invalid configuration: NATS_PASSWORD is required when NATS_USER is set, expects the password of NATS_USER',
    );
    expect(problemsOf({ NATS_PASSWORD: 'hunter2' })).toBe(
      'Invalid configuration: NATS_USER is required when NATS_PASSWORD is set, expects the NATS user the password belongs to',
    );
  });

  it('takes a token, and never logs it', () => {
    const sut = loadServiceConfig({}, { ...env, NATS_TOKEN: 's3cret-token' });

    expect(sut.NATS_TOKEN).toBe('s3cret-token');
    expect(redactConfig(sut)['NATS_TOKEN']).toBe('[redacted]');
  });

  it('takes a readable .creds file, and never logs where it is', () => {
    const sut = loadServiceConfig({}, { ...env, NATS_CREDS_FILE: credsFile });

    expect(sut.NATS_CREDS_FILE).toBe(credsFile);
    expect(redactConfig(sut)['NATS_CREDS_FILE']).toBe('[redacted]');
  });

  it('refuses a .creds file that is missing or is something else', () => {
    const expected = 'Invalid configuration: NATS_CREDS_FILE is invalid, expects a readable NATS user credentials file (.creds: the user JWT and its NKey seed)';

    expect(problemsOf({ NATS_CREDS_FILE: path.join(dir, 'missing.creds') })).toBe(expected);
    expect(problemsOf({ NATS_CREDS_FILE: caFile })).toBe(expected);
  });

  const methods: Record<string, () => Record<string, string>> = {
    'NATS_USER/NATS_PASSWORD': () => ({ NATS_USER: 'portcullis-policy', NATS_PASSWORD: 'hunter2' }),
    NATS_TOKEN: () => ({ NATS_TOKEN: 's3cret-token' }),
    NATS_CREDS_FILE: () => ({ NATS_CREDS_FILE: credsFile }),
  };

  it.each([[['NATS_USER/NATS_PASSWORD', 'NATS_TOKEN']], [['NATS_TOKEN', 'NATS_CREDS_FILE']], [['NATS_USER/NATS_PASSWORD', 'NATS_TOKEN', 'NATS_CREDS_FILE']]])(
    'takes one authentication method only, naming the conflict (%j)',
    (names) => {
      const overrides = Object.assign({}, ...names.map((name) => methods[name]()));

      expect(problemsOf(overrides)).toBe(
        `Invalid configuration: ${names.join(' and ')} are invalid together, ` +
          'expects one NATS authentication method: NATS_USER with NATS_PASSWORD, NATS_TOKEN or NATS_CREDS_FILE',
      );
    },
  );

  it('takes a CA file for the servers, shown in the log', () => {
    const sut = loadServiceConfig({}, { ...env, NATS_URL: 'tls://nats:4222', NATS_CA_FILE: caFile });

    expect(redactConfig(sut)['NATS_CA_FILE']).toBe(caFile);
  });

  it('refuses a CA file that is not a readable PEM certificate', () => {
    expect(problemsOf({ NATS_CA_FILE: credsFile })).toBe(
      'Invalid configuration: NATS_CA_FILE is invalid, expects a readable PEM file with the CA certificate of the NATS servers (TLS is then required)',
    );
  });
});

describe('loadServiceConfig: JETSTREAM_REPLICAS', () => {
  it('keeps one copy of each stream unless told otherwise (a single server)', () => {
    expect(loadServiceConfig({}, env).JETSTREAM_REPLICAS).toBe(1);
  });

  it('takes 3 for a NATS cluster', () => {
    expect(loadServiceConfig({}, { ...env, JETSTREAM_REPLICAS: '3' }).JETSTREAM_REPLICAS).toBe(3);
  });

  it.each(['0', '6', 'three'])('refuses %s with a line naming the variable', (value) => {
    expect(() => loadServiceConfig({}, { ...env, JETSTREAM_REPLICAS: value })).toThrow(/JETSTREAM_REPLICAS is invalid/);
  });
});
