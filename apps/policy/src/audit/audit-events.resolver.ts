import { UseFilters } from '@nestjs/common';
import { Args, Int, Query, Resolver, Subscription } from '@nestjs/graphql';
import { AuditEventStoredV1, AuditQueryV1 } from '@portcullis/contracts';
import { GraphQLExceptionFilter } from '../admin-api/graphql-exception.filter';
import { ArgumentException } from '../errors/argument.exception';
import { PeerRequests } from '../peers/peer-requests';
import { AuditEventFilterInput, AuditEventModel, AuditEventPageModel, contractFilterOf } from './audit-event.model';
import { parseAuditFilter } from './audit-filter';
import { AuditLiveFeed } from './audit-live-feed';

/** The audit trail is the audit service's: queries are answered by it over NATS, live records come from it. */
@UseFilters(GraphQLExceptionFilter)
@Resolver(() => AuditEventModel)
export class AuditEventsResolver {
  constructor(
    private readonly peers: PeerRequests,
    private readonly feed: AuditLiveFeed,
  ) {}

  @Query(() => AuditEventPageModel, {
    name: 'auditEvents',
    description: 'Audit records matching the filter, newest first, a page at a time (answered by audit).',
    complexity: ({ args, childComplexity }) => childComplexity * (typeof args['first'] === 'number' ? args['first'] : 50),
  })
  async auditEventsPage(
    @Args('filter', { type: () => AuditEventFilterInput, nullable: true }) filter: AuditEventFilterInput | null | undefined,
    @Args('after', { type: () => String, nullable: true, description: 'The nextCursor of the previous page.' }) after: string | null | undefined,
    @Args('first', { type: () => Int, defaultValue: 50, description: '1 to 500.' }) first: number,
  ): Promise<AuditEventPageModel> {
    if (first < 1 || first > 500) throw ArgumentException.invalid('first: from 1 to 500');
    if (after != null && (after.length === 0 || after.length > 512)) throw ArgumentException.invalid('after: not a cursor this API handed out');
    const page = await this.peers.ask('audit', AuditQueryV1, { filter: parseAuditFilter(contractFilterOf(filter ?? null)), after: after ?? null, first });
    return Object.assign(new AuditEventPageModel(), { events: page.events.map((event) => AuditEventModel.from(event)), nextCursor: page.nextCursor });
  }

  @Subscription(() => AuditEventModel, {
    name: 'auditEvents',
    description: 'Audit records matching the filter as the audit service stores them (live; SERVICE_UNAVAILABLE while audit does not answer).',
    resolve: (event: AuditEventStoredV1) => AuditEventModel.from(event),
  })
  async auditEventsLive(
    @Args('filter', { type: () => AuditEventFilterInput, nullable: true }) filter: AuditEventFilterInput | null | undefined,
  ): Promise<AsyncIterableIterator<AuditEventStoredV1>> {
    const parsed = parseAuditFilter(contractFilterOf(filter ?? null));
    // Subscribed first, so nothing stored between the check and the subscription is missed.
    const stream = this.feed.open(parsed);
    try {
      await this.peers.ask('audit', AuditQueryV1, { filter: parsed, after: null, first: 1 });
    } catch (error) {
      await stream.return?.();
      throw error;
    }
    return stream;
  }
}
