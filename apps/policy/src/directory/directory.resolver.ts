import { UseFilters } from '@nestjs/common';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { IdentityGroupsListV1, IdentityUsersListV1 } from '@portcullis/contracts';
import { GraphQLExceptionFilter } from '../admin-api/graphql-exception.filter';
import { ArgumentException } from '../errors/argument.exception';
import { PeerRequests } from '../peers/peer-requests';
import { GroupModel, UserModel } from './directory.model';

/** People and groups are identity's: these queries are answered by it over NATS. */
@UseFilters(GraphQLExceptionFilter)
@Resolver()
export class DirectoryResolver {
  constructor(private readonly peers: PeerRequests) {}

  @Query(() => [UserModel], {
    description: 'People who have signed in, most recent sign-in first (answered by identity).',
    complexity: ({ args, childComplexity }) => childComplexity * (typeof args['limit'] === 'number' ? args['limit'] : 100),
  })
  async users(
    @Args('search', { type: () => String, nullable: true, description: 'Matches email or name.' }) search: string | null | undefined,
    @Args('limit', { type: () => Int, defaultValue: 100 }) limit: number,
  ): Promise<UserModel[]> {
    if (limit < 1 || limit > 1000) throw ArgumentException.invalid('limit: from 1 to 1000');
    if (search != null && search.length > 200) throw ArgumentException.invalid('search: at most 200 characters');
    const { users } = await this.peers.ask('identity', IdentityUsersListV1, { ...(search ? { search } : {}), limit });
    return users.map((user) => UserModel.from(user));
  }

  @Query(() => [GroupModel], { description: 'IdP groups seen at sign-in (answered by identity).' })
  async groups(): Promise<GroupModel[]> {
    const { groups } = await this.peers.ask('identity', IdentityGroupsListV1, {});
    return groups.map((group) => Object.assign(new GroupModel(), group));
  }
}
