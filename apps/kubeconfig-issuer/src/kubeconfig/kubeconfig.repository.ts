import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { IssuedKubeconfig } from './kubeconfig.entity';

export interface Revocation {
  revokedAt: Date;
  revokedBy: string;
  reason: string | null;
}

/**
 * The issued-kubeconfig records. Writes take the transaction's EntityManager, so a record
 * and the event describing it commit together (the outbox).
 */
@Injectable()
export class IssuedKubeconfigRepository {
  constructor(private readonly dataSource: DataSource) {}

  async add(manager: EntityManager, record: IssuedKubeconfig): Promise<void> {
    await manager.insert(IssuedKubeconfig, record);
  }

  /** Newest first, at most `limit`. */
  listOfUser(userId: string, limit: number): Promise<IssuedKubeconfig[]> {
    return this.dataSource.getRepository(IssuedKubeconfig).find({ where: { userId }, order: { issuedAt: 'DESC', id: 'ASC' }, take: limit });
  }

  /** Locked until the transaction ends, so two concurrent revocations publish one event. */
  lockOne(manager: EntityManager, id: string): Promise<IssuedKubeconfig | null> {
    return manager.getRepository(IssuedKubeconfig).createQueryBuilder('k').where('k.id = :id', { id }).setLock('pessimistic_write').getOne();
  }

  /** The user's kubeconfigs that still open the proxy: not revoked, not expired. Locked like `lockOne`. */
  lockLiveOfUser(manager: EntityManager, userId: string, now: Date): Promise<IssuedKubeconfig[]> {
    return manager
      .getRepository(IssuedKubeconfig)
      .createQueryBuilder('k')
      .where('k.user_id = :userId AND k.revoked_at IS NULL AND k.expires_at > :now', { userId, now })
      .orderBy('k.issued_at', 'DESC')
      .setLock('pessimistic_write')
      .getMany();
  }

  async markRevoked(manager: EntityManager, record: IssuedKubeconfig, revocation: Revocation): Promise<IssuedKubeconfig> {
    const changes = { revokedAt: revocation.revokedAt, revokedBy: revocation.revokedBy, revokeReason: revocation.reason };
    await manager.update(IssuedKubeconfig, { id: record.id }, changes);
    return Object.assign(record, changes);
  }
}
