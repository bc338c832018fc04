import { EventMap, EventSubject, RequestContract, RequestOf, ResponseOf, Streams } from '@portcullis/contracts';
import { MessagingConnection, Responder, silentLogger } from '@portcullis/platform/messaging';
import { dropSchema, NatsServerProcess, ServiceProcess, stackEnvironment, uniqueName, waitFor } from '@portcullis/platform/testing';
import { Client, createClient } from 'graphql-ws';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { PlatformTokens, TokenClaims } from './platform-tokens';

export interface GraphQLError {
  message: string;
  path?: string[];
  extensions?: { code?: string; errorId?: string; [key: string]: unknown };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: GraphQLError[];
}

export const ADMIN: TokenClaims = { sub: 'admin-1', admin: true, email: 'ada@example.com', name: 'Ada Admin', groups: ['platform'] };

/**
 * The policy service started from its entry point, as in production, with everything it
 * talks to owned by the test: a private nats-server (so no other test's responders answer
 * its requests), its own PostgreSQL schema, and a JWKS standing in for identity. Its log
 * lines are kept, to check what it logs.
 */
export class PolicyUnderTest {
  readonly schema = uniqueName('policy_test');
  readonly credentialKey = randomBytes(32).toString('base64');
  url = '';
  private adminToken = '';
  private readonly responders: Responder[] = [];
  private readonly clients: Client[] = [];

  private constructor(
    readonly nats: NatsServerProcess,
    readonly tokens: PlatformTokens,
    readonly messaging: MessagingConnection,
    private service?: ServiceProcess,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<PolicyUnderTest> {
    const nats = await NatsServerProcess.start();
    const tokens = await PlatformTokens.start();
    const messaging = await MessagingConnection.open({ url: nats.url, name: 'policy-test' });
    const policy = new PolicyUnderTest(nats, tokens, messaging);
    policy.service = new ServiceProcess('policy', {
      HTTP_PORT: '0',
      DATABASE_URL: stackEnvironment().databaseUrl,
      DATABASE_SCHEMA: policy.schema,
      DATABASE_MIGRATE_ON_START: 'true',
      NATS_URL: nats.url,
      NATS_REQUEST_TIMEOUT_MS: '1000',
      PLATFORM_JWT_ISSUER: tokens.issuer,
      IDENTITY_JWKS_URL: tokens.jwksUrl,
      CLUSTER_CREDENTIAL_KEY: policy.credentialKey,
      LOG_LEVEL: 'debug',
      ...env,
    });
    const service = policy.service;
    policy.url = await waitFor(
      () => {
        if (service.stderr.length) throw new Error(service.stderr.join('\n'));
        return service.readyUrl();
      },
      'policy to log ready',
      60_000,
    );
    policy.adminToken = await tokens.mint(ADMIN);
    return policy;
  }

  /** Every line the service has printed so far. */
  get logLines(): string[] {
    return [...(this.service?.lines ?? []), ...(this.service?.stderr ?? [])];
  }

  async graphql<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}, token: string | null = this.adminToken): Promise<GraphQLResponse<T>> {
    const response = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as Omit<GraphQLResponse<T>, 'status'>;
    return { status: response.status, ...body };
  }

  /** The data of an operation that must succeed. */
  async ok<T = Record<string, unknown>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const result = await this.graphql<T>(query, variables);
    if (result.errors?.length || !result.data) throw new Error(`expected success, got ${JSON.stringify(result)}`);
    return result.data;
  }

  /** The one error of an operation that must fail. */
  async fails(query: string, variables: Record<string, unknown> = {}, token?: string | null): Promise<GraphQLError> {
    const result = await this.graphql(query, variables, token);
    if (!result.errors || result.errors.length !== 1) throw new Error(`expected one error, got ${JSON.stringify(result)}`);
    return result.errors[0];
  }

  token(claims: TokenClaims): Promise<string> {
    return this.tokens.mint(claims);
  }

  /** A graphql-ws client on /graphql; `authorization` goes in connectionParams. */
  webSocket(authorization: string | null = `Bearer ${this.adminToken}`): Client {
    const client = createClient({
      url: `${this.url.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: authorization === null ? {} : { authorization },
      retryAttempts: 0,
      lazy: true,
    });
    this.clients.push(client);
    return client;
  }

  /** Stands in for another service: answers `contract` on this test's NATS until the test ends (or `close()`). */
  serve<C extends RequestContract>(contract: C, handler: (request: RequestOf<C>) => Promise<ResponseOf<C>>): Responder {
    const responder = new Responder(this.messaging, `stand-in-${contract.subject}`, silentLogger);
    responder.serve(contract, handler);
    this.responders.push(responder);
    return responder;
  }

  /** The payloads of every event on `subject` that reached JetStream, oldest first. */
  async events<S extends EventSubject>(subject: S): Promise<Array<EventMap[S]>> {
    const manager = this.messaging.jetstreamManager;
    const { state } = await manager.streams.info(Streams.state);
    const found: Array<EventMap[S]> = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const message = await manager.streams.getMessage(Streams.state, { seq }).catch(() => null);
      if (message?.subject === subject) found.push(message.json<EventMap[S]>());
    }
    return found;
  }

  /** Waits until an event on `subject` satisfies `predicate` (the outbox relays shortly after commit). */
  async eventMatching<S extends EventSubject>(subject: S, predicate: (event: EventMap[S]) => boolean): Promise<EventMap[S]> {
    return waitFor(async () => (await this.events(subject)).find(predicate), `an event on ${subject}`, 10_000, 100);
  }

  async stop(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.dispose()));
    await Promise.all(this.responders.map((responder) => responder.close()));
    await this.service?.stop();
    await this.messaging.close();
    await this.tokens.stop();
    await this.nats.stop();
    await dropSchema(stackEnvironment().databaseUrl, this.schema);
  }
}
