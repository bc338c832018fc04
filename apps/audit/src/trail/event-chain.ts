import { hash } from 'node:crypto';
import { AuditRecord } from './audit-record';

/**
 * The tamper-evidence chain: each day's records are hashed in the order they were stored, every
 * hash covering the previous one, so changing, removing or reordering a stored record breaks
 * every link after it. Changing this encoding invalidates every stored chain: a new encoding
 * needs a new version tag and verification that knows both.
 */
const VERSION = 'portcullis.audit.chain.v1';

/** JSON with object keys sorted, so equal values always give equal text (jsonb reorders keys). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  const entries = Object.entries(value)
    .filter(([, inner]) => inner !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
}

/** Every stored field of a record, in a fixed order. */
export function canonicalContent(record: AuditRecord): string {
  // Strings, numbers, nulls and arrays of strings: JSON.stringify writes them canonically already;
  // only `details` has objects whose keys need sorting.
  const fields = JSON.stringify([
    VERSION,
    record.id,
    record.occurredAt,
    record.kind,
    record.userId,
    record.groups,
    record.kubeconfigId,
    record.cluster,
    record.decision,
    record.verb,
    record.apiGroup,
    record.apiVersion,
    record.resource,
    record.subresource,
    record.namespace,
    record.name,
    record.path,
    record.responseStatus,
    record.latencyMs,
    record.bytesIn,
    record.bytesOut,
    record.userAgent,
    record.sourceAddress,
    record.traceId,
  ]);
  return `${fields.slice(0, -1)},${canonicalJson(record.details)}]`;
}

/** The expensive half of a link, computed before the chain is locked: sha256(canonical content). */
export function contentDigest(record: AuditRecord): Buffer {
  return hash('sha256', canonicalContent(record), 'buffer');
}

/** What the first record of a day continues from. */
export function genesisHash(day: string): Buffer {
  return hash('sha256', `${VERSION}|${day}`, 'buffer');
}

/** One link: sha256(previous hash || chain position as 8 bytes big-endian || content digest). */
export function chainHash(previous: Buffer, chainSeq: number, digest: Buffer): Buffer {
  const link = Buffer.allocUnsafe(72);
  previous.copy(link, 0);
  link.writeBigUInt64BE(BigInt(chainSeq), 32);
  digest.copy(link, 40);
  return hash('sha256', link, 'buffer');
}
