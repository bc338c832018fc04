import { nkeys } from '@nats-io/nats-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { natsConnectOptions } from './messaging-connection';

describe(natsConnectOptions.name, () => {
  it('hands every seed server to the client', () => {
    const sut = natsConnectOptions({ url: ['nats://nats-0:4222', 'nats://nats-1:4222'], name: 'portcullis-policy' });

    expect(sut.servers).toEqual(['nats://nats-0:4222', 'nats://nats-1:4222']);
  });

  it('keeps the reconnect policy: forever, every 250 ms, through refusals', () => {
    const sut = natsConnectOptions({ url: 'nats://127.0.0.1:4222', name: 'portcullis-policy' });

    expect(sut).toMatchObject({ maxReconnectAttempts: -1, reconnectTimeWait: 250, pingInterval: 10_000, ignoreAuthErrorAbort: true });
    expect(sut.waitOnFirstConnect).toBeUndefined();
  });

  it('leaves TLS to the server for a nats:// URL without a CA file', () => {
    expect(natsConnectOptions({ url: 'nats://127.0.0.1:4222', name: 'n' }).tls).toBeUndefined();
  });

  it('requires TLS for a tls:// URL, verified against the system roots', () => {
    expect(natsConnectOptions({ url: ['nats://nats-0:4222', 'tls://nats-1:4222'], name: 'n' }).tls).toEqual({});
  });

  it('requires TLS, verified against the CA file, when one is given', () => {
    expect(natsConnectOptions({ url: 'nats://nats:4222', name: 'n', caFile: '/etc/nats/ca.crt' }).tls).toEqual({ caFile: '/etc/nats/ca.crt' });
  });

  it('passes a user and password, or a token', () => {
    expect(natsConnectOptions({ url: 'nats://nats:4222', name: 'n', credentials: { user: 'policy', password: 'p4ss' } })).toMatchObject({ user: 'policy', pass: 'p4ss' });
    expect(natsConnectOptions({ url: 'nats://nats:4222', name: 'n', credentials: { token: 't0ken' } })).toMatchObject({ token: 't0ken' });
  });

  it('reads a .creds file at each authentication, so a rotated one counts from the next connection', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-creds-'));
    const credsFile = path.join(dir, 'service.creds');
    const writeCreds = (jwt: string) =>
      fs.writeFileSync(
        credsFile,
        `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n` +
          `-----BEGIN USER NKEY SEED-----\n${new TextDecoder().decode(nkeys.createUser().getSeed())}\n------END USER NKEY SEED------\n`,
      );
    try {
      writeCreds('first.user.jwt');
      const sut = natsConnectOptions({ url: 'nats://nats:4222', name: 'n', credentials: { credsFile } }).authenticator;
      if (typeof sut !== 'function') throw new Error('expected one authenticator');

      expect(sut('nonce')).toMatchObject({ jwt: 'first.user.jwt' });
      writeCreds('second.user.jwt');
      expect(sut('nonce')).toMatchObject({ jwt: 'second.user.jwt' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
