import { TrailErrorCode, TrailException } from '../trail/trail.exception';
import { AuditCursor } from './audit-cursor';

describe('AuditCursor', () => {
  const position = { occurredAt: '2026-03-01T10:00:00.000Z', id: '6f1c1a52-8d0e-4a53-9d38-1b3e4b9f0a11' };

  it('hands back the position it was made from', () => {
    const sut = AuditCursor.encode(position);

    expect(sut).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(AuditCursor.decode(sut)).toEqual(position);
  });

  it.each([
    ['not base64 of a cursor', 'abc'],
    ['another version', Buffer.from(`v2|${position.occurredAt}|${position.id}`).toString('base64url')],
    ['a bad time', Buffer.from(`v1|yesterday|${position.id}`).toString('base64url')],
    ['a bad id', Buffer.from(`v1|${position.occurredAt}|1; DROP TABLE x`).toString('base64url')],
    ['extra parts', Buffer.from(`v1|${position.occurredAt}|${position.id}|x`).toString('base64url')],
  ])('refuses %s with INVALID_CURSOR', (_what, cursor) => {
    expect(() => AuditCursor.decode(cursor)).toThrow(new TrailException(TrailErrorCode.InvalidCursor, 'after: not a cursor this service handed out'));
  });
});
