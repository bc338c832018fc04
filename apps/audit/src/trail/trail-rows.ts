import { AuditEventKind, AuditEventStoredV1 } from '@portcullis/contracts';
import { AuditRecord, ChainedRecord } from './audit-record';

/**
 * The select list that `recordOfRow` reads. No casts or aliases: ORDER BY would sort by an alias
 * of the same name, and pg already returns uuid and bigint as strings.
 */
export const RECORD_COLUMNS = `id, occurred_at, kind, user_id, groups, kubeconfig_id, cluster, decision, verb, api_group, api_version, resource,
  subresource, namespace, name, path, response_status, latency_ms, bytes_in, bytes_out, user_agent, source_address, trace_id, details,
  chain_seq, hash`;

export interface RecordRow {
  id: string;
  occurred_at: Date;
  kind: string;
  user_id: string | null;
  groups: string[];
  kubeconfig_id: string | null;
  cluster: string | null;
  decision: string;
  verb: string;
  api_group: string;
  api_version: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
  response_status: number;
  latency_ms: number;
  bytes_in: string | null;
  bytes_out: string | null;
  user_agent: string;
  source_address: string;
  trace_id: string | null;
  details: Record<string, unknown> | null;
  chain_seq: string;
  hash: Buffer;
}

export function recordOfRow(row: RecordRow): ChainedRecord {
  return {
    id: row.id,
    occurredAt: row.occurred_at.toISOString(),
    kind: row.kind as AuditEventKind,
    userId: row.user_id,
    groups: row.groups,
    kubeconfigId: row.kubeconfig_id,
    cluster: row.cluster,
    decision: row.decision as AuditRecord['decision'],
    verb: row.verb,
    apiGroup: row.api_group,
    apiVersion: row.api_version,
    resource: row.resource,
    subresource: row.subresource,
    namespace: row.namespace,
    name: row.name,
    path: row.path,
    responseStatus: row.response_status,
    latencyMs: row.latency_ms,
    bytesIn: row.bytes_in === null ? null : Number(row.bytes_in),
    bytesOut: row.bytes_out === null ? null : Number(row.bytes_out),
    userAgent: row.user_agent,
    sourceAddress: row.source_address,
    traceId: row.trace_id,
    details: row.details,
    chainSeq: Number(row.chain_seq),
    hash: row.hash,
  };
}

/** A record in the contract's shape (queries, the live feed, exports). */
export function storedEventOf(record: AuditRecord): AuditEventStoredV1 {
  const { bytesIn, bytesOut, details, ...common } = record;
  return {
    id: common.id,
    occurredAt: common.occurredAt,
    kind: common.kind,
    userId: common.userId,
    groups: common.groups,
    kubeconfigId: common.kubeconfigId,
    cluster: common.cluster,
    decision: common.decision,
    verb: common.verb,
    apiGroup: common.apiGroup,
    apiVersion: common.apiVersion,
    resource: common.resource,
    subresource: common.subresource,
    namespace: common.namespace,
    name: common.name,
    path: common.path,
    responseStatus: common.responseStatus,
    latencyMs: common.latencyMs,
    userAgent: common.userAgent,
    sourceAddress: common.sourceAddress,
    traceId: common.traceId,
    ...(bytesIn === null ? {} : { bytesIn }),
    ...(bytesOut === null ? {} : { bytesOut }),
    ...(details === null ? {} : { details }),
  };
}
