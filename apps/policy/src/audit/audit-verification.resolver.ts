import { UseFilters } from '@nestjs/common';
import { Args, Query, Resolver } from '@nestjs/graphql';
import { AuditVerifyV1 } from '@portcullis/contracts';
import { GraphQLExceptionFilter } from '../admin-api/graphql-exception.filter';
import { ArgumentException } from '../errors/argument.exception';
import { PeerRequests } from '../peers/peer-requests';
import { AuditTrailVerificationModel } from './audit-verification.model';

/** Each verification reads every record of the range on audit's database, so one call may cover a month and no more. */
const MAX_VERIFICATION_DAYS = 31;

/**
 * Audit verifies about 50,000 records a second (1.2 million in 22 s on two cores): two minutes
 * is several million records, as long as an admin's HTTP client can be expected to wait. The
 * default request timeout (seconds) would report a busy audit service as a missing one.
 */
const VERIFICATION_TIMEOUT_MS = 120_000;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The tamper-evidence chains are the audit service's: it walks them, policy only asks. */
@UseFilters(GraphQLExceptionFilter)
@Resolver(() => AuditTrailVerificationModel)
export class AuditVerificationResolver {
  constructor(private readonly peers: PeerRequests) {}

  @Query(() => AuditTrailVerificationModel, {
    name: 'auditTrailVerification',
    description: `Checks the hash chains of every UTC day overlapping [from, to) and names the first link that does not hold (answered by audit; at most ${MAX_VERIFICATION_DAYS} days).`,
  })
  async auditTrailVerification(
    @Args('from', { type: () => Date, description: 'Inclusive.' }) from: Date,
    @Args('to', { type: () => Date, description: 'Exclusive.' }) to: Date,
  ): Promise<AuditTrailVerificationModel> {
    // Nest's DateTime scalar turns any string into a Date, an unparsable one into Invalid Date.
    if (Number.isNaN(from.getTime())) throw ArgumentException.invalid('from: not a date-time');
    if (Number.isNaN(to.getTime())) throw ArgumentException.invalid('to: not a date-time');
    if (to.getTime() <= from.getTime()) throw ArgumentException.invalid('to: must be after from');
    if (to.getTime() - from.getTime() > MAX_VERIFICATION_DAYS * DAY_MS) throw ArgumentException.invalid(`to: at most ${MAX_VERIFICATION_DAYS} days after from`);
    const verification = await this.peers.ask('audit', AuditVerifyV1, { from: from.toISOString(), to: to.toISOString() }, { timeoutMs: VERIFICATION_TIMEOUT_MS });
    return AuditTrailVerificationModel.from(verification);
  }
}
