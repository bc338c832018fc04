import { AuditEventStoredV1 } from '@portcullis/contracts';
import { ArgumentErrorCode } from '../errors/argument.exception';
import { auditFilterMatches, parseAuditFilter } from './audit-filter';

const record: AuditEventStoredV1 = {
  id: '2f8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d',
  occurredAt: '2026-11-28T10:00:00.000Z',
  userId: 'u-ada',
  groups: ['developers', 'sre'],
  kubeconfigId: null,
  cluster: 'alpha',
  decision: 'denied',
  verb: 'delete',
  apiGroup: 'apps',
  apiVersion: 'v1',
  resource: 'deployments',
  subresource: '',
  namespace: 'payments',
  name: 'web-frontend',
  path: '/apis/apps/v1/namespaces/payments/deployments/web-frontend',
  responseStatus: 403,
  latencyMs: 3,
  userAgent: 'kubectl',
  sourceAddress: '10.0.0.1',
  traceId: null,
  kind: 'proxy.request',
};

describe(auditFilterMatches.name, () => {
  it('matches when every given field matches', () => {
    const sut = parseAuditFilter({
      userId: 'u-ada',
      group: 'sre',
      cluster: 'alpha',
      namespace: 'payments',
      verb: 'delete',
      resource: 'deployments',
      namePrefix: 'web-',
      statusClass: '4xx',
      decision: 'denied',
      kind: 'proxy.request',
      from: '2026-11-28T10:00:00.000Z',
      to: '2026-11-28T10:00:00.001Z',
    });

    expect(auditFilterMatches(sut, record)).toBe(true);
    expect(auditFilterMatches({}, record)).toBe(true);
  });

  it.each([
    [{ userId: 'u-bob' }],
    [{ group: 'finance' }],
    [{ cluster: 'bravo' }],
    [{ namespace: 'web' }],
    [{ verb: 'get' }],
    [{ resource: 'pods' }],
    [{ namePrefix: 'api-' }],
    [{ statusClass: '2xx' as const }],
    [{ decision: 'allowed' as const }],
    [{ kind: 'policy.admin.action' as const }],
    [{ from: '2026-11-28T10:00:00.001Z' }],
    [{ to: '2026-11-28T10:00:00.000Z' }],
  ])('does not match %j', (filter) => {
    expect(auditFilterMatches(filter, record)).toBe(false);
  });
});

describe(parseAuditFilter.name, () => {
  it.each([
    [{ statusClass: '6xx' }, /^filter: statusClass: /],
    [{ cluster: 'Not A Label' }, /^filter: cluster: /],
    [{ colour: 'red' }, /^filter: \(root\): Unrecognized key: "colour"$/],
    [{ from: '2026-12-01T00:00:00Z', to: '2026-11-01T00:00:00Z' }, /^filter: from must be before to$/],
  ])('refuses %j', (input, message) => {
    expect(() => parseAuditFilter(input)).toThrow(expect.objectContaining({ code: ArgumentErrorCode.Invalid, message: expect.stringMatching(message) }));
  });
});
