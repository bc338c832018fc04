import { UseFilters } from '@nestjs/common';
import { Args, ID, Query, Resolver } from '@nestjs/graphql';
import { IdentityUsersListV1 } from '@portcullis/contracts';
import { GraphQLExceptionFilter } from '../admin-api/graphql-exception.filter';
import { UserModel } from '../directory/directory.model';
import { PeerRequests } from '../peers/peer-requests';
import { AccessErrorCode, AccessException } from './access.exception';
import { EffectiveAccessModel } from './access.model';
import { EffectiveAccessService } from './effective-access.service';

@UseFilters(GraphQLExceptionFilter)
@Resolver(() => EffectiveAccessModel)
export class EffectiveAccessResolver {
  constructor(
    private readonly access: EffectiveAccessService,
    private readonly peers: PeerRequests,
  ) {}

  @Query(() => EffectiveAccessModel, { description: "What a user may use, with their IdP groups as identity last saw them." })
  async effectiveAccess(@Args('userId', { type: () => ID }) userId: string): Promise<EffectiveAccessModel> {
    if (!userId) throw new AccessException(AccessErrorCode.UserNotFound, 'no user with an empty id');
    const { users } = await this.peers.ask('identity', IdentityUsersListV1, { userIds: [userId], limit: 1 });
    const user = users.find((candidate) => candidate.userId === userId);
    if (!user) throw new AccessException(AccessErrorCode.UserNotFound, `no user with id ${userId}`);
    return EffectiveAccessModel.from(UserModel.from(user), await this.access.resolve(user.userId, user.groups));
  }
}
