import { applyJsonPatch } from '../src/patch/json-patch';
import { applyMergePatch } from '../src/patch/json-merge-patch';
import { applyStrategicMergePatch } from '../src/patch/strategic-merge-patch';
import { RequestInfoParser } from '../src/api/request-info-parser';
import { LabelSelector } from '../src/selectors/label-selector';
import { coveringGaps } from '../src/rbac/policy-rules';

describe(LabelSelector.name, () => {
  it.each([
    ['a=b', { a: 'b' }, true],
    ['a=b', { a: 'c' }, false],
    ['a!=b', {}, true],
    ['a in (x, y),b', { a: 'y', b: '' }, true],
    ['a notin (x)', { a: 'x' }, false],
    ['!a', { a: '1' }, false],
    ['n>3', { n: '4' }, true],
  ])('%s on %j is %s', (selector, labels, expected) => {
    expect(LabelSelector.parse(selector).matches(labels)).toBe(expected);
  });

  it('refuses malformed selectors with 400', () => {
    expect(() => LabelSelector.parse('a in (x')).toThrow(expect.objectContaining({ code: 400 }));
  });
});

describe(RequestInfoParser.name, () => {
  const sut = new RequestInfoParser();
  const parse = (method: string, url: string) => {
    const u = new URL(url, 'https://x');
    return sut.parse(method, u.pathname, u.searchParams);
  };

  it.each([
    ['GET', '/api/v1/namespaces/ns/pods', { verb: 'list', namespace: 'ns', resource: 'pods', name: '' }],
    ['GET', '/api/v1/namespaces/ns/pods?watch=true', { verb: 'watch' }],
    ['GET', '/api/v1/watch/namespaces/ns/pods/p', { verb: 'watch', name: 'p' }],
    ['GET', '/api/v1/namespaces/ns/pods/p/log', { verb: 'get', subresource: 'log', name: 'p' }],
    ['DELETE', '/apis/apps/v1/namespaces/ns/deployments', { verb: 'deletecollection', apiGroup: 'apps' }],
    ['GET', '/api/v1/namespaces/ns', { verb: 'get', resource: 'namespaces', name: 'ns', namespace: 'ns' }],
    ['PUT', '/api/v1/namespaces/ns/status', { verb: 'update', resource: 'namespaces', subresource: 'status', namespace: 'ns' }],
    ['GET', '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dp', { verb: 'list', name: 'p' }],
    ['GET', '/apis/apps/v1', { isResourceRequest: false, verb: 'get' }],
  ])('%s %s', (method, url, expected) => {
    expect(parse(method, url)).toMatchObject(expected);
  });
});

describe('patches', () => {
  it('merge patch deletes with null and replaces lists', () => {
    expect(applyMergePatch({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { b: null }, l: [3] })).toEqual({ a: { c: 2 }, l: [3] });
  });

  it('strategic merge patch merges containers by name and honours directives', () => {
    const pod = { spec: { containers: [{ name: 'a', image: '1', env: [{ name: 'X', value: '1' }] }, { name: 'b', image: '1' }] }, metadata: { finalizers: ['f1'] } };
    const patched = applyStrategicMergePatch(pod, {
      spec: { containers: [{ name: 'a', env: [{ name: 'Y', value: '2' }] }, { name: 'b', $patch: 'delete' }], '$setElementOrder/containers': [{ name: 'a' }] },
      metadata: { finalizers: ['f2'] },
    });
    expect(patched).toEqual({ spec: { containers: [{ name: 'a', image: '1', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }] }] }, metadata: { finalizers: ['f1', 'f2'] } });
  });

  it('JSON patch applies in order and fails a test with 422', () => {
    expect(applyJsonPatch({ a: [1] }, [{ op: 'add', path: '/a/-', value: 2 }, { op: 'move', from: '/a', path: '/b' }])).toEqual({ b: [1, 2] });
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(expect.objectContaining({ code: 422 }));
  });
});

describe('rule coverage', () => {
  it('treats */subresource and resourceNames as Kubernetes does', () => {
    const owner = [{ apiGroups: [''], resources: ['*/log', 'pods'], verbs: ['get'], resourceNames: [] }];
    expect(coveringGaps(owner, [{ apiGroups: [''], resources: ['pods/log', 'pods'], verbs: ['get'] }])).toEqual([]);
    expect(coveringGaps([{ apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['a'] }], [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }])).toHaveLength(1);
  });
});
