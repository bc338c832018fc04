import { AuditEventFilter, auditEventFilter, AuditEventStoredV1, validate } from '@portcullis/contracts';
import { ArgumentException } from '../errors/argument.exception';

export function parseAuditFilter(input: unknown): AuditEventFilter {
  const result = validate(auditEventFilter, input);
  if (!result.ok) throw ArgumentException.invalid(`filter: ${result.reason}`);
  if (result.value.from && result.value.to && Date.parse(result.value.from) >= Date.parse(result.value.to)) {
    throw ArgumentException.invalid('filter: from must be before to');
  }
  return result.value;
}

/**
 * The filter applied to live records, with the meaning AuditQueryV1 gives it: every given
 * field must match; `from` inclusive, `to` exclusive.
 */
export function auditFilterMatches(filter: AuditEventFilter, event: AuditEventStoredV1): boolean {
  const occurredAt = Date.parse(event.occurredAt);
  return (
    (filter.userId === undefined || event.userId === filter.userId) &&
    (filter.group === undefined || event.groups.includes(filter.group)) &&
    (filter.cluster === undefined || event.cluster === filter.cluster) &&
    (filter.namespace === undefined || event.namespace === filter.namespace) &&
    (filter.verb === undefined || event.verb === filter.verb) &&
    (filter.resource === undefined || event.resource === filter.resource) &&
    (filter.namePrefix === undefined || event.name.startsWith(filter.namePrefix)) &&
    (filter.statusClass === undefined || `${Math.floor(event.responseStatus / 100)}xx` === filter.statusClass) &&
    (filter.decision === undefined || event.decision === filter.decision) &&
    (filter.kind === undefined || event.kind === filter.kind) &&
    (filter.from === undefined || occurredAt >= Date.parse(filter.from)) &&
    (filter.to === undefined || occurredAt < Date.parse(filter.to))
  );
}
