import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { AuditVerifyResponseV1 } from '@portcullis/contracts';

type ContractBrokenLink = NonNullable<AuditVerifyResponseV1['firstBrokenLink']>;

export enum AuditBrokenLinkReason {
  CONTENT_ALTERED = 'content-altered',
  SEQUENCE_BROKEN = 'sequence-broken',
  HEAD_MISMATCH = 'head-mismatch',
}
registerEnumType(AuditBrokenLinkReason, {
  name: 'AuditBrokenLinkReason',
  description:
    "CONTENT_ALTERED: a record no longer hashes to what was stored. SEQUENCE_BROKEN: a record is missing, duplicated or out of place. HEAD_MISMATCH: the day's chain ends elsewhere than the head recorded at the last append (records removed from the end).",
});

// A Record rather than a cast, so a reason added to the contract fails the build here instead of reaching clients unmapped.
const reasonOf: Record<ContractBrokenLink['reason'], AuditBrokenLinkReason> = {
  'content-altered': AuditBrokenLinkReason.CONTENT_ALTERED,
  'sequence-broken': AuditBrokenLinkReason.SEQUENCE_BROKEN,
  'head-mismatch': AuditBrokenLinkReason.HEAD_MISMATCH,
};

@ObjectType('AuditBrokenLink', { description: "The first link of a day's hash chain that does not hold; nothing after it is trusted." })
export class AuditBrokenLinkModel {
  @Field(() => String, { description: 'The UTC day, YYYY-MM-DD.' })
  day!: string;

  @Field(() => Int, { description: "Position in the day's chain (1 = the first record stored that day)." })
  chainSeq!: number;

  @Field(() => ID, { nullable: true, description: 'The record at that position; null when the chain holds none there (HEAD_MISMATCH).' })
  eventId!: string | null;

  @Field(() => AuditBrokenLinkReason)
  reason!: AuditBrokenLinkReason;
}

@ObjectType('AuditTrailVerification', { description: 'Whether the tamper-evidence hash chains of the days in a range still hold.' })
export class AuditTrailVerificationModel {
  @Field(() => [String], { description: 'The UTC days checked (those holding records or a chain head), oldest first, YYYY-MM-DD.' })
  days!: string[];

  @Field(() => Int, { description: 'Records whose links held; checking stops at the first broken link.' })
  checkedEvents!: number;

  @Field(() => AuditBrokenLinkModel, { nullable: true, description: 'null when every chain holds.' })
  firstBrokenLink!: AuditBrokenLinkModel | null;

  @Field(() => Boolean, { description: 'true when every chain holds (firstBrokenLink is null).' })
  intact!: boolean;

  static from(response: AuditVerifyResponseV1): AuditTrailVerificationModel {
    const broken = response.firstBrokenLink;
    return Object.assign(new AuditTrailVerificationModel(), {
      days: response.days,
      checkedEvents: response.checkedEvents,
      firstBrokenLink: broken && Object.assign(new AuditBrokenLinkModel(), { ...broken, reason: reasonOf[broken.reason] }),
      intact: broken === null,
    });
  }
}
