import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AgentCertificateEntity } from './agent-certificate.entity';

/** The agent certificates of clusters: which the proxy may accept, and which are revoked. */
@Injectable()
export class AgentIdentities {
  constructor(private readonly dataSource: DataSource) {}

  /** The fingerprints the proxy may accept now, unrevoked and unexpired: the current one first. */
  async acceptedFingerprints(clusterId: string, manager: EntityManager = this.dataSource.manager): Promise<string[]> {
    const accepted = await manager
      .createQueryBuilder(AgentCertificateEntity, 'certificate')
      .where('certificate.clusterId = :clusterId AND certificate.revokedAt IS NULL AND certificate.notAfter > now()', { clusterId })
      // Issue times have whole seconds; a renewal within the second must still list the current one first.
      .orderBy('certificate.supersededAt', 'DESC', 'NULLS FIRST')
      .addOrderBy('certificate.issuedAt', 'DESC')
      .getMany();
    return accepted.map((certificate) => certificate.fingerprint);
  }

  /** When the current certificate (the newest accepted one) ends; null when there is none. */
  async currentExpiry(clusterId: string): Promise<Date | null> {
    const current = await this.dataSource.manager
      .createQueryBuilder(AgentCertificateEntity, 'certificate')
      .where('certificate.clusterId = :clusterId AND certificate.revokedAt IS NULL AND certificate.supersededAt IS NULL AND certificate.notAfter > now()', { clusterId })
      .orderBy('certificate.issuedAt', 'DESC')
      .getOne();
    return current?.notAfter ?? null;
  }

  /** The certificate, if it is one the proxy may accept now for that cluster. */
  findAccepted(manager: EntityManager, clusterId: string, fingerprint: string): Promise<AgentCertificateEntity | null> {
    return manager
      .createQueryBuilder(AgentCertificateEntity, 'certificate')
      .where('certificate.fingerprint = :fingerprint AND certificate.clusterId = :clusterId AND certificate.revokedAt IS NULL AND certificate.notAfter > now()', {
        fingerprint,
        clusterId,
      })
      .getOne();
  }

  /** Revokes every unrevoked certificate of the cluster but `keep`; returns the fingerprints revoked. */
  async revoke(manager: EntityManager, clusterId: string, keep: string | null = null): Promise<string[]> {
    const query = manager
      .createQueryBuilder()
      .update(AgentCertificateEntity)
      .set({ revokedAt: () => 'now()' })
      .where('cluster_id = :clusterId AND revoked_at IS NULL', { clusterId });
    if (keep !== null) query.andWhere('fingerprint <> :keep', { keep });
    const result = await query.returning('fingerprint').execute();
    return (result.raw as Array<{ fingerprint: string }>).map((row) => row.fingerprint);
  }

  async supersede(manager: EntityManager, fingerprint: string): Promise<void> {
    await manager.createQueryBuilder().update(AgentCertificateEntity).set({ supersededAt: () => 'now()' }).where('fingerprint = :fingerprint AND superseded_at IS NULL', { fingerprint }).execute();
  }

  async record(manager: EntityManager, certificate: Omit<AgentCertificateEntity, 'cluster'>): Promise<void> {
    await manager.insert(AgentCertificateEntity, certificate);
  }
}
