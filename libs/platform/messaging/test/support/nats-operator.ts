import { nkeys } from '@nats-io/nats-core';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

type KeyPair = ReturnType<typeof nkeys.createOperator>;

const base64url = (value: object | Uint8Array) => Buffer.from(value instanceof Uint8Array ? value : JSON.stringify(value)).toString('base64url');

/** A NATS JWT (v2): claims about `subject`, signed with the NKey of `issuer`. */
function natsJwt(issuer: KeyPair, subject: KeyPair, name: string, nats: object): string {
  const header = base64url({ typ: 'JWT', alg: 'ed25519-nkey' });
  const claims = base64url({
    jti: randomBytes(16).toString('hex'),
    iat: Math.floor(Date.now() / 1000),
    iss: issuer.getPublicKey(),
    sub: subject.getPublicKey(),
    name,
    nats: { ...nats, version: 2 },
  });
  return `${header}.${claims}.${base64url(issuer.sign(Buffer.from(`${header}.${claims}`)))}`;
}

const unlimited = { subs: -1, data: -1, payload: -1 };

/**
 * NATS operator mode in miniature, what `nsc` would set up: an operator, one account with
 * JetStream, and users of that account in .creds files. Made with the NKeys the NATS client ships,
 * so the test needs no `nsc`.
 */
export class NatsOperator {
  private readonly operator = nkeys.createOperator();
  private readonly account = nkeys.createAccount();
  // JetStream in operator mode needs a system account for its internal subscriptions.
  private readonly systemAccount = nkeys.createAccount();

  constructor(private readonly dir: string) {}

  /** A nats-server configuration file that trusts the operator and knows the account. */
  writeServerConfig(): string {
    const operatorFile = path.join(this.dir, 'operator.jwt');
    fs.writeFileSync(operatorFile, natsJwt(this.operator, this.operator, 'portcullis-test', { type: 'operator' }));
    const accountLimits = { ...unlimited, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 };
    const accounts = [
      [this.account, natsJwt(this.operator, this.account, 'portcullis', { type: 'account', limits: { ...accountLimits, mem_storage: -1, disk_storage: -1, streams: -1, consumer: -1 } })],
      [this.systemAccount, natsJwt(this.operator, this.systemAccount, 'SYS', { type: 'account', limits: accountLimits })],
    ] as const;
    const file = path.join(this.dir, 'server.conf');
    fs.writeFileSync(
      file,
      [
        `operator: "${operatorFile}"`,
        `system_account: ${this.systemAccount.getPublicKey()}`,
        'resolver: MEMORY',
        `resolver_preload: {`,
        ...accounts.map(([key, jwt]) => `  ${key.getPublicKey()}: "${jwt}"`),
        '}',
      ].join('\n'),
    );
    return file;
  }

  /** A user's .creds file, signed by the account, or by an account the server does not know. */
  writeUserCreds(name: string, signer: 'account' | 'unknown account' = 'account'): string {
    const user = nkeys.createUser();
    const jwt = natsJwt(signer === 'account' ? this.account : nkeys.createAccount(), user, name, { type: 'user', pub: {}, sub: {}, ...unlimited });
    const file = path.join(this.dir, `${name}.creds`);
    fs.writeFileSync(
      file,
      `-----BEGIN NATS USER JWT-----\n${jwt}\n------END NATS USER JWT------\n\n` +
        `************************* IMPORTANT *************************\nNKEY Seed printed below can be used to sign and prove identity.\n\n` +
        `-----BEGIN USER NKEY SEED-----\n${new TextDecoder().decode(user.getSeed())}\n------END USER NKEY SEED------\n`,
      { mode: 0o600 },
    );
    return file;
  }
}
