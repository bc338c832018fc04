import { Module, OnModuleInit } from '@nestjs/common';
import { RequestContract, RequestOf, ResponseOf, SaListV1, SaTokenEnsureV1 } from '@portcullis/contracts';
import { Responder } from '@portcullis/platform/messaging';
import { ClustersModule } from '../clusters/clusters.module';
import { toReplyError } from '../errors/provisioner.exception';
import { JitServiceAccountRepository } from './jit-service-account.repository';
import { ServiceAccountProvisioner } from './service-account-provisioner';

/** The provisioner's NATS face: tokens for the proxy, the list for the admin API. */
@Module({
  imports: [ClustersModule],
  providers: [JitServiceAccountRepository, ServiceAccountProvisioner],
  exports: [JitServiceAccountRepository, ServiceAccountProvisioner, ClustersModule],
})
export class ServiceAccountsModule implements OnModuleInit {
  constructor(
    private readonly responder: Responder,
    private readonly provisioner: ServiceAccountProvisioner,
  ) {}

  onModuleInit(): void {
    this.serve(SaTokenEnsureV1, (request) => this.provisioner.ensure(request));
    this.serve(SaListV1, async (request) => ({ serviceAccounts: await this.provisioner.list(request.cluster, request.userId) }));
  }

  private serve<C extends RequestContract>(contract: C, handler: (request: RequestOf<C>) => Promise<ResponseOf<C>>): void {
    this.responder.serve(contract, (request) =>
      handler(request).catch((error: unknown) => {
        throw toReplyError(error);
      }),
    );
  }
}
