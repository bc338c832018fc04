import { validate } from '@portcullis/contracts';
import { KV, KvWatchInclude, Kvm } from '@nats-io/kv';
import { z } from 'zod';
import { MessagingConnection } from './messaging-connection';
import { MessagingLogger } from './messaging-logger';

export interface PresenceBucketOptions<T extends z.ZodType> {
  /** The JetStream key-value bucket (Buckets in the contracts). */
  bucket: string;
  /** Every value is validated against this before anyone sees it; invalid ones are ignored with a warning. */
  schema: T;
  /**
   * An entry not written again within this many milliseconds is gone: the server ages it out,
   * and readers stop trusting it at once (an aged-out key sends no notice to watchers).
   */
  ttlMs: number;
  /** Reads the moment an entry was last confirmed, for the staleness check above. */
  refreshedAt: (value: z.infer<T>) => number;
}

const RETRY_MS = 1_000;
const decoder = new TextDecoder();

/**
 * "Who is here now", kept in a JetStream KV bucket: writers put their entries and renew them
 * well within the TTL; every reader keeps a live, validated copy of all entries from a watch,
 * so a lookup never waits for the broker. A writer that died simply stops renewing.
 */
export class PresenceBucket<T extends z.ZodType> {
  private readonly entries = new Map<string, z.infer<T>>();
  private kv?: KV;
  private stopped = false;
  private watching?: Promise<void>;
  private stopWatch?: () => void;

  private constructor(
    private readonly connection: MessagingConnection,
    private readonly options: PresenceBucketOptions<T>,
    private readonly logger: MessagingLogger,
  ) {}

  /** Creates the bucket if needed and starts following it (retrying while the broker is away). */
  static open<T extends z.ZodType>(connection: MessagingConnection, options: PresenceBucketOptions<T>, logger: MessagingLogger): PresenceBucket<T> {
    const bucket = new PresenceBucket(connection, options, logger);
    bucket.watching = bucket.follow();
    return bucket;
  }

  /** Live entries (renewed within the TTL) whose key starts with `prefix`. */
  find(prefix = ''): Array<z.infer<T>> {
    const now = Date.now();
    const found: Array<z.infer<T>> = [];
    for (const [key, value] of this.entries) {
      if (key.startsWith(prefix) && now - this.options.refreshedAt(value) < this.options.ttlMs) found.push(value);
    }
    return found;
  }

  async put(key: string, value: z.infer<T>): Promise<void> {
    const checked = validate(this.options.schema, value);
    if (!checked.ok) throw new Error(`presence entry ${key} is invalid: ${checked.reason}`);
    await (await this.bucket()).put(key, JSON.stringify(checked.value));
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
    await (await this.bucket()).delete(key);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopWatch?.();
    await this.watching;
  }

  private async bucket(): Promise<KV> {
    if (!this.kv) {
      // The bucket's TTL is a backstop for entries nobody deletes; readers already apply it.
      const replicas = this.connection.jetStreamReplicas;
      const kv = await new Kvm(this.connection.jetstream).create(this.options.bucket, { ttl: this.options.ttlMs * 4, history: 1, replicas });
      // create() leaves an existing bucket as it is; one made before JETSTREAM_REPLICAS changed
      // is rescaled here, as ensureStreams does for streams.
      const { streamInfo } = await kv.status();
      if (streamInfo.config.num_replicas !== replicas) await this.connection.jetstreamManager.streams.update(streamInfo.config.name, { ...streamInfo.config, num_replicas: replicas });
      this.kv = kv;
    }
    return this.kv;
  }

  private async follow(): Promise<void> {
    while (!this.stopped) {
      try {
        const watch = await (await this.bucket()).watch({ key: '>', include: KvWatchInclude.LastValue });
        this.stopWatch = () => watch.stop();
        if (this.stopped) watch.stop();
        for await (const entry of watch) {
          if (entry.operation !== 'PUT') {
            this.entries.delete(entry.key);
            continue;
          }
          const checked = validate(this.options.schema, safeJson(decoder.decode(entry.value)));
          if (checked.ok) this.entries.set(entry.key, checked.value);
          else this.logger.warn({ bucket: this.options.bucket, key: entry.key, reason: checked.reason }, 'ignored an invalid presence entry');
        }
      } catch (error) {
        if (this.stopped) return;
        this.kv = undefined;
        this.logger.warn({ bucket: this.options.bucket, err: error }, 'presence watch failed; retrying');
      }
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
