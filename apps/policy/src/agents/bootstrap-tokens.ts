import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { DataSource, EntityManager, IsNull, MoreThan } from 'typeorm';
import { AgentBootstrapTokenEntity } from './agent-bootstrap-token.entity';

const PREFIX = 'pcb_';

export interface IssuedBootstrapToken {
  /** `pcb_` and 32 random bytes, base64url: shown to the admin once, stored only as its SHA-256. */
  token: string;
  expiresAt: Date;
}

function sha256(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** One-time bootstrap tokens of agent-mode clusters. */
@Injectable()
export class BootstrapTokens {
  constructor(private readonly dataSource: DataSource) {}

  async issue(manager: EntityManager, clusterId: string, createdBy: string, ttlSeconds: number): Promise<IssuedBootstrapToken> {
    const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    await manager.insert(AgentBootstrapTokenEntity, { id: randomUUID(), clusterId, tokenSha256: sha256(token), expiresAt, usedAt: null, revokedAt: null, createdBy });
    return { token, expiresAt };
  }

  /** Makes every unused token of the cluster worthless (a re-registration replaces them). */
  async revokeUnused(manager: EntityManager, clusterId: string): Promise<number> {
    const result = await manager
      .createQueryBuilder()
      .update(AgentBootstrapTokenEntity)
      .set({ revokedAt: () => 'now()' })
      .where('cluster_id = :clusterId AND used_at IS NULL AND revoked_at IS NULL', { clusterId })
      .execute();
    return result.affected ?? 0;
  }

  /**
   * The id of the cluster's usable token that matches, or null. Every candidate is compared in
   * constant time and none is skipped, so the answer time says nothing about the token.
   */
  async find(clusterId: string, presented: string): Promise<string | null> {
    const candidates = await this.dataSource.getRepository(AgentBootstrapTokenEntity).find({
      where: { clusterId, usedAt: IsNull(), revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
    });
    const hash = sha256(presented);
    let found: string | null = null;
    for (const candidate of candidates) {
      if (candidate.tokenSha256.length === hash.length && timingSafeEqual(candidate.tokenSha256, hash)) found = candidate.id;
    }
    return found;
  }

  /**
   * Spends the token if it is still usable, atomically: of two enrollments racing with one token,
   * the second waits for the first's row lock, then finds it used and gets false.
   */
  async spend(manager: EntityManager, id: string, clusterId: string): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(AgentBootstrapTokenEntity)
      .set({ usedAt: () => 'now()' })
      .where('id = :id AND cluster_id = :clusterId AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now()', { id, clusterId })
      .returning('id')
      .execute();
    return (result.raw as unknown[]).length === 1;
  }
}
