import { z } from 'zod';
import { defineEvent, defineRequest, EventOf, RequestOf, ResponseOf } from '../lib/contract';
import { Subjects } from '../lib/names';
import { dnsLabel, timestamp } from '../lib/shared-schemas';
import { proxyRequestShape } from '../proxy/proxy-request.v1';

/**
 * What a record is about: the schema name of the event it was stored from (without version).
 * Absent means `proxy.request`, the kind every record had before the others were added.
 */
export const auditEventKind = z.enum(['proxy.request', 'policy.admin.action', 'kubeconfig.issued', 'kubeconfig.revoked', 'sa.provisioned', 'sa.expired', 'proxy.tunnel']);
export type AuditEventKind = z.infer<typeof auditEventKind>;

/**
 * One stored audit record: a proxy request event (same id, same fields) as the audit service
 * keeps it. Published live on core NATS, NOT JetStream: it is a notification for views that are
 * open right now (the admin API's subscription), the durable copy is audit's table. Therefore it
 * is not in `eventContracts` and no stream holds its subject.
 *
 * Control-plane events are stored in the same shape so that one filter and one table cover
 * everything; `kind` tells them apart and `details` carries what has no request field:
 * - `userId` is who acted (the admin; the person for kubeconfig.issued and sa.*; `revokedBy` for
 *   kubeconfig.revoked), `verb` what they did (the admin action, `issue`, `revoke`, `provision`,
 *   `expire`), `resource`/`name` what it was done to (the target kind and id; `kubeconfigs` and the
 *   kubeconfig id; `serviceaccounts` and the ServiceAccount, with `cluster` and `namespace`).
 * - `decision` is `allowed` and `responseStatus` 200, except a failed admin action: `denied`, 400.
 * - Fields a kind has no value for are empty strings, null, 0 (latencyMs) or [] (groups).
 */
export const AuditEventStoredV1 = defineEvent({
  subject: Subjects.auditEventStored,
  schemaName: 'audit.event.stored.v1',
  shape: {
    ...proxyRequestShape,
    kind: auditEventKind.default('proxy.request'),
    /** Request and response body sizes; proxy.request records only. */
    bytesIn: z.number().int().nonnegative().optional(),
    bytesOut: z.number().int().nonnegative().optional(),
    /** Control-plane records only: the source event's fields that have no column above (e.g. an admin action's before/after). */
    details: z.record(z.string(), z.unknown()).optional(),
  },
});
export type AuditEventStoredV1 = EventOf<typeof AuditEventStoredV1>;

export const auditStatusClass = z.enum(['1xx', '2xx', '3xx', '4xx', '5xx']);

/** Every field narrows (AND); an empty filter matches every record. */
export const auditEventFilter = z
  .object({
    userId: z.string().min(1).optional(),
    /** Records whose `groups` snapshot contains this group. */
    group: z.string().min(1).optional(),
    cluster: dnsLabel.optional(),
    namespace: z.string().min(1).optional(),
    verb: z.string().min(1).optional(),
    resource: z.string().min(1).optional(),
    /** The object name starts with this. */
    namePrefix: z.string().min(1).optional(),
    statusClass: auditStatusClass.optional(),
    decision: z.enum(['allowed', 'denied']).optional(),
    kind: auditEventKind.optional(),
    /** Inclusive lower bound on `occurredAt`. */
    from: timestamp.optional(),
    /** Exclusive upper bound on `occurredAt`. */
    to: timestamp.optional(),
  })
  .strict();
export type AuditEventFilter = z.infer<typeof auditEventFilter>;

/**
 * admin API → audit: one page of records matching a filter, newest first. `after` is the opaque
 * `nextCursor` of the previous page; `nextCursor` is null on the last page.
 */
export const AuditQueryV1 = defineRequest({
  subject: Subjects.auditQuery,
  request: z
    .object({
      filter: auditEventFilter,
      after: z.string().min(1).max(512).nullable(),
      first: z.number().int().min(1).max(500),
    })
    .strict(),
  response: z.object({ events: z.array(AuditEventStoredV1.schema), nextCursor: z.string().min(1).nullable() }).strict(),
});
export type AuditQueryRequestV1 = RequestOf<typeof AuditQueryV1>;
export type AuditQueryResponseV1 = ResponseOf<typeof AuditQueryV1>;

/**
 * admin API → audit: checks the tamper-evidence chains of every day (UTC) that overlaps
 * [from, to). Each day's records form one hash chain in the order they were stored; the answer
 * names the first link that does not hold. Verifying reads every record of those days, so give
 * the request a timeout that fits the range (about a second per 50,000 records on two cores).
 */
export const AuditVerifyV1 = defineRequest({
  subject: Subjects.auditVerify,
  request: z.object({ from: timestamp, to: timestamp }).strict(),
  response: z
    .object({
      /** Days that hold records or a chain, oldest first, as YYYY-MM-DD. */
      days: z.array(z.iso.date()),
      checkedEvents: z.number().int().nonnegative(),
      /** null when every chain holds. */
      firstBrokenLink: z
        .object({
          day: z.iso.date(),
          /** Position in the day's chain (1 = first record stored that day). */
          chainSeq: z.number().int().nonnegative(),
          eventId: z.uuid().nullable(),
          /**
           * content-altered: the record does not hash to what was stored; sequence-broken: a record
           * is missing, duplicated or out of place; head-mismatch: the day's chain ends elsewhere
           * than the chain head recorded at the last append (records removed from the end).
           */
          reason: z.enum(['content-altered', 'sequence-broken', 'head-mismatch']),
        })
        .strict()
        .nullable(),
    })
    .strict(),
});
export type AuditVerifyRequestV1 = RequestOf<typeof AuditVerifyV1>;
export type AuditVerifyResponseV1 = ResponseOf<typeof AuditVerifyV1>;
