import { EventContract, validate } from '@portcullis/contracts';
import { ConsumerMessages } from '@nats-io/jetstream';
import { MessagingConnection } from './messaging-connection';
import { MessagingLogger } from './messaging-logger';

export interface OrderedEventStreamOptions {
  /** For logs: what this stream feeds. */
  name: string;
  stream: string;
  /** One subject or wildcard (nats-server 2.9 filters on one subject per consumer). */
  filterSubject: string;
  /** `all` replays the stream from its first message; `new` starts after the last one stored now. */
  from: 'all' | 'new';
  /** Messages on other subjects (a wildcard filter catches them) are skipped. */
  contracts: readonly EventContract[];
}

export type OrderedEventHandler = (subject: string, event: unknown) => void;

const RETRY_MS = 1_000;
const decoder = new TextDecoder();

/**
 * An ordered (ephemeral, per-process) JetStream consumer: every replica sees every event, unlike
 * a durable consumer whose messages replicas would share. It resumes after the last sequence it
 * handled when the broker or the consumer goes away, so nothing is skipped across an outage.
 */
export class OrderedEventStream {
  private stopped = false;
  private lastSequence = 0;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private caughtUp = false;
  private readonly caughtUpWaiters: Array<() => void> = [];

  constructor(
    private readonly connection: MessagingConnection,
    private readonly options: OrderedEventStreamOptions,
    private readonly handler: OrderedEventHandler,
    private readonly logger: MessagingLogger,
  ) {}

  /** True once everything stored when the stream started has been handled. */
  get isCaughtUp(): boolean {
    return this.caughtUp;
  }

  whenCaughtUp(): Promise<void> {
    if (this.caughtUp) return Promise.resolve();
    return new Promise((resolve) => this.caughtUpWaiters.push(resolve));
  }

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.messages?.close().catch(() => undefined);
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.consume();
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn({ err: error, stream: this.options.name }, 'event stream interrupted; resuming');
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  private async consume(): Promise<void> {
    const { stream, filterSubject } = this.options;
    let startSequence = this.lastSequence + 1;
    if (this.lastSequence === 0 && this.options.from === 'new') {
      startSequence = (await this.connection.jetstreamManager.streams.info(stream)).state.last_seq + 1;
    }
    const consumer = await this.connection.jetstream.consumers.get(stream, { filter_subjects: filterSubject, opt_start_seq: startSequence });
    if ((await consumer.info(true)).num_pending === 0) this.markCaughtUp();
    const messages = await consumer.consume();
    this.messages = messages;
    if (this.stopped) await messages.close();
    for await (const message of messages) {
      this.lastSequence = message.seq;
      this.dispatch(message.subject, message.data);
      if (message.info.pending === 0) this.markCaughtUp();
    }
  }

  private dispatch(subject: string, data: Uint8Array): void {
    const contract = this.options.contracts.find((candidate) => candidate.subject === subject);
    if (!contract) return;
    let payload: unknown;
    try {
      payload = JSON.parse(decoder.decode(data));
    } catch {
      this.logger.error({ stream: this.options.name, subject }, 'event is not JSON; skipped');
      return;
    }
    const checked = validate(contract.schema, payload);
    if (!checked.ok) {
      this.logger.error({ stream: this.options.name, subject, reason: checked.reason }, `event does not match ${contract.schemaName}; skipped`);
      return;
    }
    try {
      this.handler(subject, checked.value);
    } catch (error) {
      this.logger.error({ err: error, stream: this.options.name, subject }, 'event handler failed');
    }
  }

  private markCaughtUp(): void {
    if (this.caughtUp) return;
    this.caughtUp = true;
    this.logger.info({ stream: this.options.name, lastSequence: this.lastSequence }, 'event stream caught up');
    for (const resolve of this.caughtUpWaiters.splice(0)) resolve();
  }
}
