import { UseFilters } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { KubeconfigListV1, KubeconfigRevokeUserV1, KubeconfigRevokeV1 } from '@portcullis/contracts';
import { AdminActionLog } from '../admin-actions/admin-action.log';
import { AdminPrincipal, CurrentAdmin } from '../admin-api/admin-principal';
import { GraphQLExceptionFilter } from '../admin-api/graphql-exception.filter';
import { isUuid } from '../database/is-uuid';
import { ArgumentException } from '../errors/argument.exception';
import { PeerRequests } from '../peers/peer-requests';
import { PeerServiceErrorCode, PeerServiceException } from '../peers/peer-service.exception';
import { KubeconfigModel } from './kubeconfig.model';

function checkReason(reason: string | null | undefined): string | null {
  if (reason != null && reason.length > 500) throw ArgumentException.invalid('reason: at most 500 characters');
  return reason ?? null;
}

/** Kubeconfigs are kubeconfig-issuer's: listing and revoking are forwarded to it over NATS. */
@UseFilters(GraphQLExceptionFilter)
@Resolver(() => KubeconfigModel)
export class KubeconfigsResolver {
  constructor(
    private readonly peers: PeerRequests,
    private readonly adminActions: AdminActionLog,
  ) {}

  @Query(() => [KubeconfigModel], { description: "A user's issued kubeconfigs (answered by kubeconfig-issuer)." })
  async kubeconfigs(@Args('userId', { type: () => ID }) userId: string): Promise<KubeconfigModel[]> {
    if (!userId) return [];
    const { kubeconfigs } = await this.peers.ask('kubeconfig-issuer', KubeconfigListV1, { userId });
    return kubeconfigs.map((summary) => KubeconfigModel.from(summary));
  }

  @Mutation(() => KubeconfigModel, { description: 'Every proxy refuses it from then on (done by kubeconfig-issuer).' })
  async revokeKubeconfig(
    @Args('id', { type: () => ID }) id: string,
    @Args('reason', { type: () => String, nullable: true }) reason: string | null | undefined,
    @CurrentAdmin() admin: AdminPrincipal,
  ): Promise<KubeconfigModel> {
    return this.adminActions.attempt(admin, 'revokeKubeconfig', { kind: 'kubeconfig', id }, async () => {
      if (!isUuid(id)) throw new PeerServiceException(PeerServiceErrorCode.NotFound, `no kubeconfig with id ${id}`);
      const checkedReason = checkReason(reason);
      const revoked = await this.peers.ask('kubeconfig-issuer', KubeconfigRevokeV1, { kubeconfigId: id, ownerUserId: null, revokedBy: admin.userId, reason: checkedReason });
      await this.adminActions.recordSucceeded(admin, 'revokeKubeconfig', { kind: 'kubeconfig', id }, null, { ...revoked, reason: checkedReason });
      return KubeconfigModel.from(revoked);
    });
  }

  @Mutation(() => [KubeconfigModel], { description: "Revokes every live kubeconfig of the user, for every cluster (done by kubeconfig-issuer)." })
  async revokeUser(
    @Args('userId', { type: () => ID }) userId: string,
    @Args('reason', { type: () => String, nullable: true }) reason: string | null | undefined,
    @CurrentAdmin() admin: AdminPrincipal,
  ): Promise<KubeconfigModel[]> {
    return this.adminActions.attempt(admin, 'revokeUser', { kind: 'user', id: userId }, async () => {
      if (!userId) throw ArgumentException.invalid('userId: must not be empty');
      const checkedReason = checkReason(reason);
      const { revoked } = await this.peers.ask('kubeconfig-issuer', KubeconfigRevokeUserV1, { userId, revokedBy: admin.userId, reason: checkedReason });
      await this.adminActions.recordSucceeded(admin, 'revokeUser', { kind: 'user', id: userId }, null, {
        revokedKubeconfigIds: revoked.map((summary) => summary.kubeconfigId),
        reason: checkedReason,
      });
      return revoked.map((summary) => KubeconfigModel.from(summary));
    });
  }
}
