import { labelProblem, labelsMatch, sortedLabels } from './cluster-labels';

describe(labelProblem.name, () => {
  it('accepts Kubernetes label keys and values', () => {
    expect(labelProblem({ env: 'prod', 'topology.kubernetes.io/region': 'eu-west-1', 'example.com/team_a': '', 'a.b-c_d': 'A.b-9' })).toBeNull();
  });

  it.each([
    [{ 'bad key': 'x' }, 'label key "bad key": must be at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric'],
    [{ '-env': 'x' }, 'label key "-env": must be at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric'],
    [{ [`${'a'.repeat(64)}`]: 'x' }, `label key "${'a'.repeat(64)}": must be at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric`],
    [{ 'Example.com/team': 'x' }, 'label key "Example.com/team": the prefix must be a DNS subdomain'],
    [{ env: 'prod!' }, 'label "env": the value must be empty or at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric'],
  ])('names the problem with %j', (labels, problem) => {
    expect(labelProblem(labels)).toBe(problem);
  });
});

describe(labelsMatch.name, () => {
  it('matches when every selector label is present with the same value', () => {
    expect(labelsMatch({ env: 'prod' }, { env: 'prod', region: 'eu' })).toBe(true);
    expect(labelsMatch({ env: 'prod', region: 'us' }, { env: 'prod', region: 'eu' })).toBe(false);
    expect(labelsMatch({ tier: '' }, { env: 'prod' })).toBe(false);
  });

  it('selects every cluster with an empty selector', () => {
    expect(labelsMatch({}, {})).toBe(true);
  });
});

describe(sortedLabels.name, () => {
  it('orders keys so equal maps serialise equally', () => {
    expect(JSON.stringify(sortedLabels({ b: '1', a: '2' }))).toBe(JSON.stringify(sortedLabels({ a: '2', b: '1' })));
  });
});
