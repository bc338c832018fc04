/*
 * Trust model of the kubeconfig-issuer.
 * - Trusts: its NATS callers (identity's portal, policy's admin API) to have authenticated the
 *   person and to pass their current IdP groups; policy's answer about which clusters they may use.
 * - Verifies: every request and reply against its contract (the messaging library does that).
 * - Holds: the kubeconfig client CA's private key, which signs the certificates the proxy accepts
 *   without asking anyone. It is read from a file at boot and never logged.
 * - Never holds: the private key of an issued kubeconfig. It is generated per download, returned
 *   inside the kubeconfig once and kept nowhere (not in the database, not in logs, not in events).
 *   Nor any cluster credential.
 */
import { Module, OnModuleInit } from '@nestjs/common';
import {
  KubeconfigIssueV1,
  KubeconfigListV1,
  KubeconfigRevokeUserV1,
  KubeconfigRevokeV1,
  RequestContract,
  RequestOf,
  ResponseOf,
} from '@portcullis/contracts';
import { Responder } from '@portcullis/platform/messaging';
import { SERVICE_CONFIG } from '@portcullis/platform/service';
import fs from 'node:fs';
import { KubeconfigIssuerConfig } from '../config/kubeconfig-issuer.config';
import { ClientCertificateAuthority } from '../credentials/client-certificate-authority';
import { toReplyError } from './kubeconfig.exception';
import { IssuedKubeconfigRepository } from './kubeconfig.repository';
import { KubeconfigService } from './kubeconfig.service';
import { ProxyEndpoint } from './proxy-endpoint';

@Module({
  providers: [
    {
      provide: ClientCertificateAuthority,
      useFactory: (config: KubeconfigIssuerConfig) =>
        ClientCertificateAuthority.fromPem(fs.readFileSync(config.KUBECONFIG_CA_CERT_FILE, 'utf8'), fs.readFileSync(config.KUBECONFIG_CA_KEY_FILE, 'utf8')),
      inject: [SERVICE_CONFIG],
    },
    {
      provide: ProxyEndpoint,
      useFactory: (config: KubeconfigIssuerConfig) => new ProxyEndpoint(config.PROXY_PUBLIC_URL, fs.readFileSync(config.PROXY_CA_CERT_FILE, 'utf8')),
      inject: [SERVICE_CONFIG],
    },
    IssuedKubeconfigRepository,
    KubeconfigService,
  ],
})
export class KubeconfigModule implements OnModuleInit {
  constructor(
    private readonly responder: Responder,
    private readonly kubeconfigs: KubeconfigService,
  ) {}

  onModuleInit(): void {
    this.serve(KubeconfigIssueV1, (request) => this.kubeconfigs.issue(request));
    this.serve(KubeconfigListV1, (request) => this.kubeconfigs.list(request.userId));
    this.serve(KubeconfigRevokeV1, (request) => this.kubeconfigs.revoke(request));
    this.serve(KubeconfigRevokeUserV1, async (request) => ({
      revoked: await this.kubeconfigs.revokeUser(request.userId, request.revokedBy, request.reason),
    }));
  }

  private serve<C extends RequestContract>(contract: C, handler: (request: RequestOf<C>) => Promise<ResponseOf<C>>): void {
    this.responder.serve(contract, (request) =>
      handler(request).catch((error: unknown) => {
        throw toReplyError(error);
      }),
    );
  }
}
