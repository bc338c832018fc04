import { TrailErrorCode, TrailException } from '../trail/trail.exception';

export interface CursorPosition {
  /** ISO timestamp of the last record of the previous page. */
  occurredAt: string;
  id: string;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The opaque `nextCursor`: where the previous page ended in (occurred_at, id) order. Opaque so
 * callers do not build their own, versioned so the encoding can change.
 */
export const AuditCursor = {
  encode(position: CursorPosition): string {
    return Buffer.from(`v1|${position.occurredAt}|${position.id}`, 'utf8').toString('base64url');
  },

  decode(cursor: string): CursorPosition {
    const [version, occurredAt, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
    if (version !== 'v1' || rest.length > 0 || !id || !uuid.test(id) || !occurredAt || Number.isNaN(Date.parse(occurredAt))) {
      throw new TrailException(TrailErrorCode.InvalidCursor, 'after: not a cursor this service handed out');
    }
    return { occurredAt: new Date(occurredAt).toISOString(), id };
  },
};
