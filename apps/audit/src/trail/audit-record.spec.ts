import { AuditRecord, dayOf, normaliseRecord } from './audit-record';

const record: AuditRecord = {
  id: '6F1C1A52-8D0E-4A53-9D38-1B3E4B9F0A11',
  occurredAt: '2026-03-01T23:30:00.123456+02:00',
  kind: 'proxy.request',
  userId: 'alice',
  groups: ['dev\u0000ops'],
  kubeconfigId: null,
  cluster: 'dev',
  decision: 'allowed',
  verb: 'get',
  apiGroup: '',
  apiVersion: 'v1',
  resource: 'pods',
  subresource: '',
  namespace: 'default',
  name: 'web-\uD800',
  path: '/api/v1/pods',
  responseStatus: 200,
  latencyMs: 1,
  bytesIn: 0,
  bytesOut: 10,
  userAgent: 'curl\u0000',
  sourceAddress: '10.0.0.1',
  traceId: null,
  details: { 'key\u0000': ['\uDC00x', { nested: 'ok \uD83D\uDE00' }] },
};

describe(normaliseRecord.name, () => {
  it('keeps only what PostgreSQL stores unchanged: UTC milliseconds, lower-case ids, no NUL or lone surrogates', () => {
    const sut = normaliseRecord(record);

    expect(sut).toEqual({
      ...record,
      id: '6f1c1a52-8d0e-4a53-9d38-1b3e4b9f0a11',
      occurredAt: '2026-03-01T21:30:00.123Z',
      groups: ['dev\uFFFDops'],
      name: 'web-\uFFFD',
      userAgent: 'curl\uFFFD',
      details: { 'key\uFFFD': ['\uFFFDx', { nested: 'ok \uD83D\uDE00' }] },
    });
    expect(dayOf(sut.occurredAt)).toBe('2026-03-01');
  });
});
