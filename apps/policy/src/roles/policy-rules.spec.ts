import { parsePolicyRules } from './policy-rules';
import { RoleErrorCode } from './role.exception';

describe(parsePolicyRules.name, () => {
  it('accepts resource and non-resource rules and fills in omitted lists', () => {
    const sut = parsePolicyRules([
      { apiGroups: ['', 'apps'], resources: ['pods', 'deployments/scale'], resourceNames: ['web'], verbs: ['get', 'patch'] },
      { nonResourceURLs: ['/healthz', '/logs/*', '*'], verbs: ['get'] },
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    ]);

    expect(sut).toEqual([
      { apiGroups: ['', 'apps'], resources: ['pods', 'deployments/scale'], resourceNames: ['web'], nonResourceURLs: [], verbs: ['get', 'patch'] },
      { apiGroups: [], resources: [], resourceNames: [], nonResourceURLs: ['/healthz', '/logs/*', '*'], verbs: ['get'] },
      { apiGroups: ['*'], resources: ['*'], resourceNames: [], nonResourceURLs: [], verbs: ['*'] },
    ]);
  });

  it.each([
    [[], 'a custom role needs at least one rule'],
    [[{ apiGroups: [''], resources: ['pods'], verbs: ['GET'] }], 'rules.0.verbs: unknown verb "GET"'],
    [[{ apiGroups: [''], resources: ['pods'], verbs: [] }], '0.verbs'],
    [[{ apiGroups: [''], verbs: ['get'] }], 'rules.0: give resources (or nonResourceURLs)'],
    [[{ resources: ['pods'], verbs: ['get'] }], 'rules.0.apiGroups: resource rules need at least one API group'],
    [[{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }, { nonResourceURLs: ['/x'], resourceNames: ['a'], verbs: ['get'] }], 'rules.1: nonResourceURLs cannot be combined'],
    [[{ nonResourceURLs: ['/a*b'], verbs: ['get'] }], 'rules.0.nonResourceURLs: "/a*b" must be a path'],
    [[{ apiGroups: [''], resources: ['pods'], verbs: ['get'], extra: true }], 'Unrecognized key: "extra"'],
  ])('refuses %j', (rules, message) => {
    expect(() => parsePolicyRules(rules)).toThrow(expect.objectContaining({ code: RoleErrorCode.InvalidInput, message: expect.stringContaining(message) }));
  });
});
