import { Module, OnModuleInit } from '@nestjs/common';
import { ReadinessChecks, ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import fs from 'node:fs';
import type { Logger } from 'pino';
import { ClusterDirectory } from '../access/cluster-directory';
import { EffectiveAccessCache } from '../access/effective-access.cache';
import { PolicyEventsConsumer } from '../access/policy-events.consumer';
import { StreamAccessReview } from '../access/stream-access.review';
import { AuditTrail } from '../audit/audit-trail';
import { ProxyConfig } from '../config/proxy.config';
import { ClientCertificateVerifier } from '../credentials/client-certificate.verifier';
import { ProxyMetrics } from '../metrics/proxy-metrics';
import { RevocationConsumer } from '../revocation/revocation.consumer';
import { RevocationSet } from '../revocation/revocation-set';
import { RequestInfoParser } from '../routing/request-info.parser';
import { ServiceAccountExpiryConsumer } from '../tokens/service-account-expiry.consumer';
import { ServiceAccountTokenCache } from '../tokens/service-account-token.cache';
import { UpstreamPool } from '../upstream/upstream-pool';
import { DataPlaneServer } from './data-plane.server';
import { DataPlaneState } from './data-plane.state';
import { OpenStreamRegistry } from './open-stream.registry';
import { ProxyRequestHandler } from './proxy-request.handler';
import { RequestGate } from './request-gate';
import { RequestLifecycle } from './request-lifecycle';
import { UpgradeRequestHandler } from './upgrade-request.handler';
import { AgentEnrollment } from '../tunnel/agent-enrollment';
import { AgentTunnels } from '../tunnel/agent-tunnels';
import { TunnelMetrics } from '../tunnel/tunnel-metrics';
import { PeerRelays } from '../tunnel/peer-relays';
import { RelayServer } from '../tunnel/relay.server';
import { TunnelPresence } from '../tunnel/tunnel-presence';
import { TunnelServer } from '../tunnel/tunnel.server';

/** The data plane and everything it decides with: credentials, revocations, access, tokens, upstreams (direct and agent tunnels), audit. */
@Module({
  providers: [
    {
      provide: ClientCertificateVerifier,
      useFactory: (config: ProxyConfig) => new ClientCertificateVerifier(fs.readFileSync(config.KUBECONFIG_CA_CERT_FILE)),
      inject: [SERVICE_CONFIG],
    },
    {
      provide: UpstreamPool,
      useFactory: (config: ProxyConfig, logger: Logger, tunnels: AgentTunnels) => new UpstreamPool(config.UPSTREAM_CONNECT_TIMEOUT_MS, logger.child({ component: 'upstream' }), tunnels),
      inject: [SERVICE_CONFIG, ROOT_LOGGER, AgentTunnels],
    },
    { provide: RevocationSet, useFactory: () => new RevocationSet() },
    { provide: RequestInfoParser, useFactory: () => new RequestInfoParser() },
    DataPlaneState,
    RequestLifecycle,
    ProxyMetrics,
    OpenStreamRegistry,
    AuditTrail,
    EffectiveAccessCache,
    ClusterDirectory,
    ServiceAccountTokenCache,
    StreamAccessReview,
    RevocationConsumer,
    PolicyEventsConsumer,
    ServiceAccountExpiryConsumer,
    RequestGate,
    ProxyRequestHandler,
    UpgradeRequestHandler,
    DataPlaneServer,
    TunnelMetrics,
    AgentTunnels,
    AgentEnrollment,
    TunnelServer,
    RelayServer,
    TunnelPresence,
    PeerRelays,
  ],
  exports: [DataPlaneServer, TunnelServer, RelayServer, AgentTunnels, AuditTrail, RevocationConsumer, OpenStreamRegistry, StreamAccessReview],
})
export class DataPlaneModule implements OnModuleInit {
  constructor(
    private readonly readiness: ReadinessChecks,
    private readonly state: DataPlaneState,
    private readonly revocations: RevocationConsumer,
    private readonly policyChanges: PolicyEventsConsumer,
  ) {}

  /**
   * Not ready until the proxy may take traffic: the data plane listens, every stored revocation
   * has been replayed (a replica that took requests before would accept revoked kubeconfigs) and
   * policy changes reach it; the platform's own checks (database, NATS) answer beside these.
   */
  onModuleInit(): void {
    this.readiness.register('dataPlane', () => this.state.listening, 'the data plane is not listening');
    this.readiness.register('revocations', () => this.revocations.isCaughtUp, 'stored revocations are still being replayed');
    this.readiness.register('policyChanges', () => this.policyChanges.isCaughtUp, 'not yet following policy changes');
  }
}
