import { Injectable } from '@nestjs/common';
import { streamDefinitions, Streams, Subjects } from '@portcullis/contracts';
import { Outbox } from '@portcullis/platform/persistence';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AdminActionLog, AdminActor } from '../admin-actions/admin-action.log';
import { GlobalSettingsEntity } from './global-settings.entity';
import { SettingsErrorCode, SettingsException } from './settings.exception';

const DAY = 24 * 3600;
const MIN_KUBECONFIG_VALIDITY_SECONDS = 15 * 60;
/**
 * Proxies rebuild their revocation set by replaying the state stream, so a kubeconfig must
 * not outlive the stream's retention: a revocation older than that would be forgotten while
 * the kubeconfig still works. One day of margin.
 */
export const MAX_KUBECONFIG_VALIDITY_SECONDS = (streamDefinitions.find((stream) => stream.name === Streams.state)?.maxAgeSeconds ?? 8 * DAY) - DAY;

/** Platform-wide settings (per-cluster ones live on the cluster). */
@Injectable()
export class SettingsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly adminActions: AdminActionLog,
  ) {}

  get(): Promise<GlobalSettingsEntity> {
    return this.dataSource.getRepository(GlobalSettingsEntity).findOneByOrFail({ id: 1 });
  }

  async setKubeconfigValidity(seconds: number, actor: AdminActor): Promise<GlobalSettingsEntity> {
    if (!Number.isInteger(seconds) || seconds < MIN_KUBECONFIG_VALIDITY_SECONDS || seconds > MAX_KUBECONFIG_VALIDITY_SECONDS) {
      throw new SettingsException(
        SettingsErrorCode.InvalidInput,
        `seconds: the kubeconfig validity must be a whole number of seconds from ${MIN_KUBECONFIG_VALIDITY_SECONDS} to ${MAX_KUBECONFIG_VALIDITY_SECONDS}`,
      );
    }
    return this.outbox.transaction(async (manager, events) => {
      const before = await manager.findOneOrFail(GlobalSettingsEntity, { where: { id: 1 }, lock: { mode: 'pessimistic_write' } });
      const saved = await manager.save(Object.assign(new GlobalSettingsEntity(), before, { kubeconfigValiditySeconds: seconds }));
      await events.add(Subjects.policySettingsChanged, {
        id: randomUUID(),
        occurredAt: new Date().toISOString(),
        changedBy: actor.userId,
        kubeconfigValiditySeconds: saved.kubeconfigValiditySeconds,
      });
      await this.adminActions.succeeded(
        events,
        actor,
        'setKubeconfigValidity',
        { kind: 'settings', id: null },
        { kubeconfigValiditySeconds: before.kubeconfigValiditySeconds },
        { kubeconfigValiditySeconds: saved.kubeconfigValiditySeconds },
      );
      return saved;
    });
  }
}
