import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { AuditEventKind, auditEventKind, AuditEventStoredV1 } from '@portcullis/contracts';
import { JsonObjectScalar } from '../admin-api/json-object.scalar';

export enum AuditDecision {
  ALLOWED = 'allowed',
  DENIED = 'denied',
}
registerEnumType(AuditDecision, { name: 'AuditDecision' });

/** The contract's record kinds as GraphQL enum values: `policy.admin.action` is POLICY_ADMIN_ACTION. */
export const AuditRecordKind = Object.fromEntries(auditEventKind.options.map((kind) => [kind.toUpperCase().replace(/[.-]/g, '_'), kind])) as Record<string, AuditEventKind>;
registerEnumType(AuditRecordKind, { name: 'AuditRecordKind', description: 'What a record is about: a request through the proxy, or a control-plane event.' });

export enum HttpStatusClass {
  INFORMATIONAL = '1xx',
  SUCCESS = '2xx',
  REDIRECTION = '3xx',
  CLIENT_ERROR = '4xx',
  SERVER_ERROR = '5xx',
}
registerEnumType(HttpStatusClass, { name: 'HttpStatusClass', description: 'The class of the HTTP status the request was answered with (1xx to 5xx).' });

@ObjectType('AuditEvent', { description: 'One request through the proxy, allowed or denied, as the audit service stored it.' })
export class AuditEventModel {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => AuditRecordKind)
  kind!: AuditEventKind;

  @Field(() => String, { nullable: true, description: 'Who made the request, or who acted (control-plane records).' })
  userId!: string | null;

  @Field(() => [String])
  groups!: string[];

  @Field(() => ID, { nullable: true })
  kubeconfigId!: string | null;

  @Field(() => String, { nullable: true })
  cluster!: string | null;

  @Field(() => AuditDecision)
  decision!: AuditDecision;

  @Field(() => String)
  verb!: string;

  @Field(() => String)
  apiGroup!: string;

  @Field(() => String)
  apiVersion!: string;

  @Field(() => String)
  resource!: string;

  @Field(() => String)
  subresource!: string;

  @Field(() => String)
  namespace!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  path!: string;

  @Field(() => Int)
  responseStatus!: number;

  @Field(() => Float)
  latencyMs!: number;

  @Field(() => String)
  userAgent!: string;

  @Field(() => String)
  sourceAddress!: string;

  @Field(() => String, { nullable: true })
  traceId!: string | null;

  @Field(() => Int, { nullable: true, description: 'Request body bytes (proxy requests only).' })
  bytesIn!: number | null;

  @Field(() => Int, { nullable: true, description: 'Response body bytes (proxy requests only).' })
  bytesOut!: number | null;

  @Field(() => JsonObjectScalar, { nullable: true, description: "Control-plane records: the source event's other fields (e.g. an admin action's before and after)." })
  details!: Record<string, unknown> | null;

  static from(event: AuditEventStoredV1): AuditEventModel {
    return Object.assign(new AuditEventModel(), {
      ...event,
      occurredAt: new Date(event.occurredAt),
      bytesIn: event.bytesIn ?? null,
      bytesOut: event.bytesOut ?? null,
      details: event.details ?? null,
      decision: event.decision === 'allowed' ? AuditDecision.ALLOWED : AuditDecision.DENIED,
    });
  }
}

@ObjectType('AuditEventPage', { description: 'Newest first.' })
export class AuditEventPageModel {
  @Field(() => [AuditEventModel])
  events!: AuditEventModel[];

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page; null on the last page.' })
  nextCursor!: string | null;
}

@InputType('AuditEventFilter', { description: 'Every field given narrows the result (AND).' })
export class AuditEventFilterInput {
  @Field(() => String, { nullable: true })
  userId?: string | null;

  @Field(() => String, { nullable: true, description: "Requests by members of this group (as of the request)." })
  group?: string | null;

  @Field(() => String, { nullable: true, description: 'A cluster name.' })
  cluster?: string | null;

  @Field(() => String, { nullable: true })
  namespace?: string | null;

  @Field(() => String, { nullable: true, description: 'A Kubernetes verb: get, list, watch, create, ...' })
  verb?: string | null;

  @Field(() => String, { nullable: true, description: 'A resource, e.g. pods or deployments.' })
  resource?: string | null;

  @Field(() => String, { nullable: true, description: 'The object name starts with this.' })
  namePrefix?: string | null;

  @Field(() => HttpStatusClass, { nullable: true })
  statusClass?: HttpStatusClass | null;

  @Field(() => AuditDecision, { nullable: true })
  decision?: AuditDecision | null;

  @Field(() => AuditRecordKind, { nullable: true })
  kind?: AuditEventKind | null;

  @Field(() => Date, { nullable: true, description: 'Inclusive.' })
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Exclusive.' })
  to?: Date | null;
}

/** The GraphQL filter in the contract's terms (nulls dropped, times as ISO strings); validated by the caller. */
export function contractFilterOf(input: AuditEventFilterInput | null): Record<string, unknown> {
  if (!input) return {};
  const entries = Object.entries(input).filter(([, value]) => value !== null && value !== undefined);
  // Nest's DateTime scalar turns an unparsable string into Invalid Date; leaving it as text lets
  // the contract's validation refuse it with the field's name instead of failing in toISOString().
  return Object.fromEntries(
    entries.map(([key, value]) => [key, value instanceof Date ? (Number.isNaN(value.getTime()) ? 'not a date-time' : value.toISOString()) : value]),
  );
}
