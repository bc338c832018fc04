import { Inject, Injectable } from '@nestjs/common';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import type { Logger } from 'pino';
import { OpenStreamRegistry } from '../data-plane/open-stream.registry';
import { AccessView } from './access-view';
import { EffectiveAccessCache } from './effective-access.cache';

const RETRY_MS = 1_000;

/**
 * Re-checks every open stream after a policy change and ends those the person may no longer
 * have: an open watch or exec was authorised once, when it started, and the cluster will not
 * look at it again (kube-apiserver authorises a watch only at its start).
 */
@Injectable()
export class StreamAccessReview {
  private running?: Promise<void>;
  private requestedAgain = false;
  private readonly logger: Logger;

  constructor(
    private readonly streams: OpenStreamRegistry,
    private readonly access: EffectiveAccessCache,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'stream-review' });
  }

  /** Schedules a review; changes arriving during one cause one more after it, not one each. */
  request(): void {
    if (this.running) {
      this.requestedAgain = true;
      return;
    }
    this.running = this.run().finally(() => (this.running = undefined));
  }

  /** Resolves when no review is running or scheduled (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    do {
      this.requestedAgain = false;
      try {
        await this.reviewOnce();
      } catch (error) {
        // Policy did not answer: keep the streams for now and ask again shortly.
        this.logger.warn({ err: error }, 'cannot re-check open streams; retrying');
        this.requestedAgain = true;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    } while (this.requestedAgain);
  }

  private async reviewOnce(): Promise<void> {
    const views = new Map<string, Promise<AccessView>>();
    let closed = 0;
    for (const group of this.streams.byPersonAndCluster()) {
      for (const stream of group) {
        const { userId, groups } = stream.credential;
        const key = `${userId}\n${[...groups].sort().join('\n')}`;
        let view = views.get(key);
        if (!view) views.set(key, (view = this.access.get(userId, groups)));
        if (!(await view).stillCovers(stream.cluster, stream.namespace, stream.coveredBy)) {
          stream.close();
          closed++;
        }
      }
    }
    if (closed > 0) this.logger.info({ closed }, 'closed streams no longer covered by policy');
  }
}
