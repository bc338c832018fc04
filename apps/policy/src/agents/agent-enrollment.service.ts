/*
 * Trust model of agent enrollment and renewal (asked by the proxy's tunnel endpoint over NATS).
 * - Enrollment trusts nothing but a bootstrap token of THAT cluster, unexpired, unused and not
 *   revoked, compared in constant time and spent atomically; every way of failing answers the
 *   same code and message, so a caller learns nothing about which tokens or clusters exist.
 * - Renewal trusts the fingerprint of a certificate the proxy's TLS endpoint verified against the
 *   agent CA, and accepts it only if it is an unrevoked, unexpired certificate of that cluster.
 * - Signs only the public key of a CSR whose self-signature verifies; the agent's private key
 *   never leaves its cluster. Never logs a token or a certificate request.
 */
import { Inject, Injectable } from '@nestjs/common';
import { AgentEnrollRequestV1, AgentEnrollResponseV1, AgentRenewRequestV1, Subjects } from '@portcullis/contracts';
import { Outbox } from '@portcullis/platform/persistence';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import type { AdminActor } from '../admin-actions/admin-action.log';
import { clusterChanged } from '../clusters/cluster-events';
import { ClusterEntity } from '../clusters/cluster.entity';
import { IssuedAgentCertificate, parseCertificateRequest } from './agent-certificate-authority';
import { AgentIdentities } from './agent-identities';
import { AgentModeSettings, AgentSettings } from './agent-settings';
import { AgentErrorCode, AgentException } from './agent.exception';
import { BootstrapTokens } from './bootstrap-tokens';

const TOKEN_INVALID = 'the bootstrap token is invalid, expired or already used';

function tokenInvalid(): AgentException {
  return new AgentException(AgentErrorCode.BootstrapTokenInvalid, TOKEN_INVALID);
}

function revoked(cluster: string): AgentException {
  return new AgentException(AgentErrorCode.Revoked, `the certificate is not an accepted agent identity of cluster ${cluster}`);
}

/** Who ClusterChangedV1 names as the changer when an agent's identity changes. */
function agentActor(cluster: ClusterEntity): AdminActor {
  return { userId: `cluster-agent:${cluster.name}`, email: null };
}

@Injectable()
export class AgentEnrollmentService {
  private readonly logger: Logger;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly settings: AgentSettings,
    private readonly tokens: BootstrapTokens,
    private readonly identities: AgentIdentities,
    @Inject(ROOT_LOGGER) rootLogger: Logger,
  ) {
    this.logger = rootLogger.child({ component: 'agent-enrollment' });
  }

  /** The agent's first certificate; it replaces (revokes) any earlier identity of the cluster. */
  async enroll(request: AgentEnrollRequestV1): Promise<AgentEnrollResponseV1> {
    const agent = this.settings.require();
    const cluster = await this.agentCluster(this.dataSource.manager, request.cluster);
    const tokenId = cluster && (await this.tokens.find(cluster.id, request.bootstrapToken));
    if (!cluster || !tokenId) {
      this.logger.info({ cluster: request.cluster, peerAddress: request.peerAddress, agentVersion: request.agentVersion }, 'agent enrollment refused: bootstrap token invalid');
      throw tokenInvalid();
    }
    // Checked before the token is spent, so a malformed CSR does not cost the admin a new token.
    const csr = await parseCertificateRequest(request.csr);
    const issued = await agent.authority.issue(csr, { clusterId: cluster.id, clusterName: cluster.name }, agent.certificateValidityDays, new Date());

    const replaced = await this.outbox.transaction(async (manager, events) => {
      const locked = await this.agentCluster(manager, cluster.name, true);
      if (locked?.id !== cluster.id || !(await this.tokens.spend(manager, tokenId, cluster.id))) throw tokenInvalid();
      const revokedFingerprints = await this.identities.revoke(manager, cluster.id);
      await this.identities.record(manager, entityOf(cluster.id, issued));
      await events.add(Subjects.policyClusterChanged, clusterChanged('updated', cluster.id, locked, agentActor(locked)));
      return revokedFingerprints;
    });
    this.logger.info(
      { cluster: cluster.name, fingerprint: issued.fingerprint, notAfter: issued.notAfter, replaced, peerAddress: request.peerAddress, agentVersion: request.agentVersion },
      'agent enrolled',
    );
    return answer(issued, agent);
  }

  /**
   * A new certificate for an agent that holds an accepted one. The presented certificate stays
   * accepted until its own end (a tunnel that is up keeps working); anything older is dropped.
   * Renewing with the superseded one is allowed while it lasts, so an agent that lost the answer
   * to its last renewal can try again.
   */
  async renew(request: AgentRenewRequestV1): Promise<AgentEnrollResponseV1> {
    const agent = this.settings.require();
    const cluster = await this.agentCluster(this.dataSource.manager, request.cluster);
    if (!cluster || !(await this.identities.findAccepted(this.dataSource.manager, cluster.id, request.certificateFingerprint))) throw revoked(request.cluster);
    const csr = await parseCertificateRequest(request.csr);
    const issued = await agent.authority.issue(csr, { clusterId: cluster.id, clusterName: cluster.name }, agent.certificateValidityDays, new Date());

    const dropped = await this.outbox.transaction(async (manager, events) => {
      // Under the cluster's row lock: a re-registration either happened before (and this is refused) or waits.
      const locked = await this.agentCluster(manager, cluster.name, true);
      if (locked?.id !== cluster.id || !(await this.identities.findAccepted(manager, cluster.id, request.certificateFingerprint))) throw revoked(request.cluster);
      const revokedFingerprints = await this.identities.revoke(manager, cluster.id, request.certificateFingerprint);
      await this.identities.supersede(manager, request.certificateFingerprint);
      await this.identities.record(manager, entityOf(cluster.id, issued));
      await events.add(Subjects.policyClusterChanged, clusterChanged('updated', cluster.id, locked, agentActor(locked)));
      return revokedFingerprints;
    });
    this.logger.info(
      { cluster: cluster.name, fingerprint: issued.fingerprint, notAfter: issued.notAfter, renewedFrom: request.certificateFingerprint, dropped, agentVersion: request.agentVersion },
      'agent certificate renewed',
    );
    return answer(issued, agent);
  }

  private async agentCluster(manager: EntityManager, name: string, lock = false): Promise<ClusterEntity | null> {
    const cluster = await manager.findOne(ClusterEntity, { where: { name }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    return cluster?.mode === 'agent' ? cluster : null;
  }
}

function entityOf(clusterId: string, issued: IssuedAgentCertificate) {
  return {
    fingerprint: issued.fingerprint,
    clusterId,
    serialNumber: issued.serialNumber,
    notAfter: issued.notAfter,
    issuedAt: issued.issuedAt,
    supersededAt: null,
    revokedAt: null,
  };
}

function answer(issued: IssuedAgentCertificate, agent: AgentModeSettings): AgentEnrollResponseV1 {
  return { certificate: issued.certificatePem, caCertificate: agent.authority.caCertificatePem, notAfter: issued.notAfter.toISOString() };
}
