import { loadDatabaseConfig, loadProcessConfig, loadServiceConfig } from './service-config';
import { ConfigError, redactConfig } from './load-config';

const validEnv = {
  HTTP_PORT: '3001',
  DATABASE_URL: 'postgres://portcullis:s3cret@db.internal:5432/portcullis',
  NATS_URL: 'nats://nats.internal:4222',
};

describe('loadServiceConfig', () => {
  it('applies defaults and converts types', () => {
    const sut = loadServiceConfig({}, validEnv);

    expect(sut).toMatchObject({
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: 3001,
      DATABASE_MIGRATE_ON_START: false,
      NATS_REQUEST_TIMEOUT_MS: 2000,
      LOG_LEVEL: 'info',
    });
  });

  it('names a missing variable and what it expects, in one line', () => {
    const error = catchError(() => loadServiceConfig({}, { ...validEnv, DATABASE_URL: undefined }));

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe('Invalid configuration: DATABASE_URL is required, expects a postgres:// connection URL');
    expect(error.message).not.toContain('\n');
  });

  it('lists every bad variable at once', () => {
    const error = catchError(() =>
      loadServiceConfig({}, { HTTP_PORT: 'eighty', DATABASE_URL: 'mysql://x', NATS_URL: '', DATABASE_MIGRATE_ON_START: 'maybe' }),
    );

    expect(error.message).toBe(
      'Invalid configuration: HTTP_PORT is invalid, expects a TCP port number (0-65535); ' +
        'DATABASE_URL is invalid, expects a postgres:// connection URL; ' +
        'DATABASE_MIGRATE_ON_START is invalid, expects true or false; ' +
        'NATS_URL is required, expects nats:// or tls:// URLs of the seed servers, comma-separated, without credentials in them (set NATS_USER and NATS_PASSWORD, or NATS_TOKEN)',
    );
  });

  it('never puts a value, even a secret one, in the error', () => {
    const error = catchError(() => loadServiceConfig({}, { ...validEnv, DATABASE_URL: 'postgres//user:hunter2@db' }));

    expect(error.message).not.toContain('hunter2');
  });

  it('masks sensitive values for logging', () => {
    const config = loadServiceConfig({}, validEnv);

    const sut = redactConfig(config);

    expect(sut['DATABASE_URL']).toBe('[redacted]');
    expect(sut['NATS_URL']).toEqual(['nats://nats.internal:4222']);
  });
});

function catchError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('loadDatabaseConfig', () => {
  it('needs only the database, so a migrate job runs without the service secrets', () => {
    const sut = loadDatabaseConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/portcullis' });

    expect(sut).toEqual({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/portcullis', LOG_LEVEL: 'info' });
  });
});

describe('loadProcessConfig', () => {
  it('needs neither a database nor NATS, for a process that has neither (the cluster agent)', () => {
    const sut = loadProcessConfig({}, { HTTP_PORT: '3007' });

    expect(sut).toEqual({ HTTP_HOST: '127.0.0.1', HTTP_PORT: 3007, LOG_LEVEL: 'info' });
  });
});
