import { Inject, Injectable } from '@nestjs/common';
import {
  KubeconfigIssuedV1,
  KubeconfigIssueRequestV1,
  KubeconfigIssueResponseV1,
  KubeconfigListResponseV1,
  KubeconfigRevokedV1,
  KubeconfigRevokeRequestV1,
  KubeconfigSummary,
  PolicyEffectiveAccessResponseV1,
  PolicyEffectiveAccessV1,
} from '@portcullis/contracts';
import { InvalidReplyError, NoRespondersError, RemoteRequestError, Requester, RequestTimeoutError } from '@portcullis/platform/messaging';
import { Outbox, TransactionEvents } from '@portcullis/platform/persistence';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import { randomUUID } from 'node:crypto';
import { Logger } from 'pino';
import { EntityManager } from 'typeorm';
import { KubeconfigIssuerConfig } from '../config/kubeconfig-issuer.config';
import { ClientCertificateAuthority } from '../credentials/client-certificate-authority';
import { buildKubeconfigDocument, clusterContexts } from './kubeconfig-document';
import { IssuedKubeconfig } from './kubeconfig.entity';
import { KubeconfigErrorCode, KubeconfigException } from './kubeconfig.exception';
import { IssuedKubeconfigRepository, Revocation } from './kubeconfig.repository';
import { ProxyEndpoint } from './proxy-endpoint';

// A list reply must fit in one NATS message (1 MB by default); nobody reads more than this in a portal.
const LIST_LIMIT = 500;

export function toSummary(record: IssuedKubeconfig): KubeconfigSummary {
  return {
    kubeconfigId: record.id,
    userId: record.userId,
    clusters: record.clusters,
    issuedAt: record.issuedAt.toISOString(),
    expiresAt: record.expiresAt.toISOString(),
    revokedAt: record.revokedAt?.toISOString() ?? null,
  };
}

/** Issues, lists and revokes kubeconfigs; every state change publishes its event through the outbox. */
@Injectable()
export class KubeconfigService {
  private readonly logger: Logger;

  constructor(
    private readonly requester: Requester,
    private readonly outbox: Outbox,
    private readonly kubeconfigs: IssuedKubeconfigRepository,
    private readonly authority: ClientCertificateAuthority,
    private readonly proxy: ProxyEndpoint,
    @Inject(SERVICE_CONFIG) private readonly config: KubeconfigIssuerConfig,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'kubeconfig' });
  }

  async issue(request: KubeconfigIssueRequestV1): Promise<KubeconfigIssueResponseV1> {
    const groups = [...new Set(request.groups)];
    const access = await this.effectiveAccess(request.userId, groups);
    const contexts = clusterContexts(access.entries);
    if (contexts.length === 0) {
      throw new KubeconfigException(KubeconfigErrorCode.NoAccess, 'you have no access to any cluster; ask your platform team for a grant');
    }

    const kubeconfigId = randomUUID();
    const issuedAt = new Date();
    const certificate = await this.authority.issue({
      kubeconfigId,
      userId: request.userId,
      groups,
      validitySeconds: access.kubeconfigValiditySeconds,
      now: issuedAt,
    });
    const kubeconfig = buildKubeconfigDocument({
      kubeconfigId,
      userId: request.userId,
      email: request.email,
      expiresAt: certificate.notAfter,
      proxyUrl: this.proxy.url,
      proxyCaPem: this.proxy.caPem,
      clientCertificatePem: certificate.certificatePem,
      clientKeyPem: certificate.privateKeyPem,
      contexts,
    });
    const record = Object.assign(new IssuedKubeconfig(), {
      id: kubeconfigId,
      userId: request.userId,
      email: request.email,
      groups,
      clusters: contexts.map((context) => context.cluster),
      issuedAt,
      expiresAt: certificate.notAfter,
      revokedAt: null,
      revokedBy: null,
      revokeReason: null,
      certificateSerial: certificate.serialNumber,
      certificateFingerprint: certificate.fingerprintSha256,
    });

    await this.outbox.transaction(async (manager, events) => {
      await this.kubeconfigs.add(manager, record);
      await events.add(KubeconfigIssuedV1.subject, {
        id: randomUUID(),
        occurredAt: issuedAt.toISOString(),
        kubeconfigId,
        userId: record.userId,
        groups,
        clusters: record.clusters,
        expiresAt: record.expiresAt.toISOString(),
      });
    });
    this.logger.info(
      { kubeconfigId, userId: record.userId, clusters: record.clusters, expiresAt: record.expiresAt, serial: record.certificateSerial },
      'kubeconfig issued',
    );
    return { kubeconfig, summary: toSummary(record) };
  }

  async list(userId: string): Promise<KubeconfigListResponseV1> {
    const records = await this.kubeconfigs.listOfUser(userId, LIST_LIMIT);
    return { kubeconfigs: records.map(toSummary) };
  }

  /** Idempotent: revoking a revoked kubeconfig returns it unchanged and publishes nothing. */
  async revoke(request: KubeconfigRevokeRequestV1): Promise<KubeconfigSummary> {
    const revocation: Revocation = { revokedAt: new Date(), revokedBy: request.revokedBy, reason: request.reason };
    const record = await this.outbox.transaction(async (manager, events) => {
      const found = await this.kubeconfigs.lockOne(manager, request.kubeconfigId);
      // Someone else's kubeconfig looks exactly like a missing one: ids are not to be probed.
      if (!found || (request.ownerUserId !== null && found.userId !== request.ownerUserId)) {
        throw new KubeconfigException(KubeconfigErrorCode.NotFound, `no kubeconfig ${request.kubeconfigId}`);
      }
      if (found.revokedAt) return found;
      return this.markRevoked(manager, events, found, revocation);
    });
    return toSummary(record);
  }

  /** Revokes every kubeconfig of the user that still works, one event each. */
  async revokeUser(userId: string, revokedBy: string, reason: string | null): Promise<KubeconfigSummary[]> {
    const revocation: Revocation = { revokedAt: new Date(), revokedBy, reason };
    const revoked = await this.outbox.transaction(async (manager, events) => {
      const live = await this.kubeconfigs.lockLiveOfUser(manager, userId, revocation.revokedAt);
      const done: IssuedKubeconfig[] = [];
      for (const record of live) done.push(await this.markRevoked(manager, events, record, revocation));
      return done;
    });
    return revoked.map(toSummary);
  }

  private async markRevoked(
    manager: EntityManager,
    events: TransactionEvents,
    record: IssuedKubeconfig,
    revocation: Revocation,
  ): Promise<IssuedKubeconfig> {
    const revoked = await this.kubeconfigs.markRevoked(manager, record, revocation);
    await events.add(KubeconfigRevokedV1.subject, {
      id: randomUUID(),
      occurredAt: revocation.revokedAt.toISOString(),
      kubeconfigId: revoked.id,
      userId: revoked.userId,
      revokedBy: revocation.revokedBy,
      reason: revocation.reason,
      expiresAt: revoked.expiresAt.toISOString(),
    });
    this.logger.info({ kubeconfigId: revoked.id, userId: revoked.userId, revokedBy: revocation.revokedBy }, 'kubeconfig revoked');
    return revoked;
  }

  private async effectiveAccess(userId: string, groups: string[]): Promise<PolicyEffectiveAccessResponseV1> {
    try {
      // Half our callers' timeout, so they hear POLICY_UNAVAILABLE from us rather than time out themselves.
      const timeoutMs = Math.floor(this.config.NATS_REQUEST_TIMEOUT_MS / 2);
      return await this.requester.request(PolicyEffectiveAccessV1, { userId, groups }, { timeoutMs });
    } catch (error) {
      const unanswered =
        error instanceof RequestTimeoutError ||
        error instanceof NoRespondersError ||
        error instanceof RemoteRequestError ||
        error instanceof InvalidReplyError;
      if (!unanswered) throw error;
      this.logger.warn({ err: error, userId }, 'policy did not answer the effective-access request');
      throw new KubeconfigException(KubeconfigErrorCode.PolicyUnavailable, 'the policy service did not answer; try again in a moment');
    }
  }
}
