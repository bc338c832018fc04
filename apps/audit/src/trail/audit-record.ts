import { AuditEventKind } from '@portcullis/contracts';

/**
 * A record as the trail stores it, whatever event it came from: the columns of `audit_events`
 * other than its chain position and hash. Values are normalised before hashing (see
 * `normaliseRecord`) so that what PostgreSQL gives back hashes to the same value.
 */
export interface AuditRecord {
  id: string;
  /** ISO 8601, UTC, millisecond precision. */
  occurredAt: string;
  kind: AuditEventKind;
  userId: string | null;
  groups: string[];
  kubeconfigId: string | null;
  cluster: string | null;
  decision: 'allowed' | 'denied';
  verb: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
  responseStatus: number;
  latencyMs: number;
  bytesIn: number | null;
  bytesOut: number | null;
  userAgent: string;
  sourceAddress: string;
  traceId: string | null;
  details: Record<string, unknown> | null;
}

/** A stored record with its place in its day's chain. */
export interface ChainedRecord extends AuditRecord {
  chainSeq: number;
  hash: Buffer;
}

/** The UTC day a record belongs to (its partition and its chain), YYYY-MM-DD. */
export function dayOf(occurredAt: string): string {
  return occurredAt.slice(0, 10);
}

// PostgreSQL text cannot hold NUL, and a lone UTF-16 surrogate does not survive UTF-8: both are
// replaced before hashing, or the stored row would no longer match its hash. Most text has
// neither, which one cheap test tells.
const anySurrogate = /[\uD800-\uDFFF]/;
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const isoMillisUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function storableText(value: string): string {
  if (!value.includes('\u0000') && !anySurrogate.test(value)) return value;
  return value.replaceAll('\u0000', '\uFFFD').replace(loneSurrogate, '\uFFFD');
}

function storableJson(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(storableJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [storableText(key), storableJson(inner)]));
  }
  return value;
}

/** The record as PostgreSQL will return it: text storable, time in UTC milliseconds, ids lower case. */
export function normaliseRecord(record: AuditRecord): AuditRecord {
  const text = (value: string) => storableText(value);
  const nullableText = (value: string | null) => (value === null ? null : storableText(value));
  return {
    ...record,
    id: record.id.toLowerCase(),
    occurredAt: isoMillisUtc.test(record.occurredAt) ? record.occurredAt : new Date(record.occurredAt).toISOString(),
    userId: nullableText(record.userId),
    groups: record.groups.map(text),
    kubeconfigId: record.kubeconfigId === null ? null : record.kubeconfigId.toLowerCase(),
    cluster: nullableText(record.cluster),
    verb: text(record.verb),
    apiGroup: text(record.apiGroup),
    apiVersion: text(record.apiVersion),
    resource: text(record.resource),
    subresource: text(record.subresource),
    namespace: text(record.namespace),
    name: text(record.name),
    path: text(record.path),
    userAgent: text(record.userAgent),
    sourceAddress: text(record.sourceAddress),
    traceId: nullableText(record.traceId),
    details: record.details === null ? null : (storableJson(record.details) as Record<string, unknown>),
  };
}
