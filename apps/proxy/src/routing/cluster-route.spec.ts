import { ProxyErrorCode, ProxyException } from '../errors/proxy.exception';
import { parseClusterRoute } from './cluster-route';

function refusal(target: string): ProxyErrorCode | undefined {
  try {
    parseClusterRoute(target);
    return undefined;
  } catch (error) {
    return (error as ProxyException).code;
  }
}

describe(parseClusterRoute.name, () => {
  it.each([
    ['/clusters/dev/api/v1/pods', { cluster: 'dev', path: '/api/v1/pods', query: '' }],
    ['/clusters/dev/api/v1/pods?watch=1&labelSelector=app%3Dweb', { cluster: 'dev', path: '/api/v1/pods', query: '?watch=1&labelSelector=app%3Dweb' }],
    ['/clusters/dev', { cluster: 'dev', path: '/', query: '' }],
    ['/clusters/dev/', { cluster: 'dev', path: '/', query: '' }],
    ['/clusters/dev?timeout=32s', { cluster: 'dev', path: '/', query: '?timeout=32s' }],
    ['/clusters/my-cluster-1/api/v1/namespaces/default/services/web:http/proxy/', { cluster: 'my-cluster-1', path: '/api/v1/namespaces/default/services/web:http/proxy/', query: '' }],
    // Dots inside names are ordinary; only whole "." and ".." segments move a path.
    ['/clusters/dev/api/v1/namespaces/default/configmaps/app.config', { cluster: 'dev', path: '/api/v1/namespaces/default/configmaps/app.config', query: '' }],
    // A query may contain anything: it is never part of the path.
    ['/clusters/dev/api/v1/pods?fieldSelector=metadata.name%3D..%2F', { cluster: 'dev', path: '/api/v1/pods', query: '?fieldSelector=metadata.name%3D..%2F' }],
    ['/clusters/dev/api/v1/namespaces/a%20b', { cluster: 'dev', path: '/api/v1/namespaces/a%20b', query: '' }],
  ])('routes %s', (target, expected) => {
    expect(parseClusterRoute(target)).toEqual(expected);
  });

  it.each([
    '/clusters/dev/../prod/api',
    '/clusters/dev/api/..',
    '/clusters/dev/./api',
    '/clusters/dev/.',
    '/clusters/../api',
    '/clusters/dev/api/%2e%2e/x',
    '/clusters/dev/api/%2E%2e/x',
    '/clusters/dev/api/.%2e/x',
    '/clusters/dev/%2e/api',
    '/clusters/dev/api%2fv1',
    '/clusters/dev/api%2Fv1',
    '/clusters/dev%2f..%2fprod/api',
    '/clusters/dev/api%5cv1',
    '/clusters/dev/api\\v1',
    '/clusters/dev/api/v1/pods%00',
    '/clusters/dev/api/v1/pods\u0000',
    '/clusters/dev//api',
    '/clusters//dev/api',
    '//clusters/dev/api',
    '/clusters/dev/api/v1/ pods',
    '/clusters/dev/api/v1/\tpods',
  ])('refuses %j as an escape', (target) => {
    expect(refusal(target)).toBe(ProxyErrorCode.PathNotAllowed);
  });

  it.each(['/api/v1/pods', '/', '/cluster/dev/api', '/clustersdev/api', '/clusters'])('answers %s (outside /clusters/) as not proxied', (target) => {
    expect(refusal(target)).toBe(ProxyErrorCode.NotProxied);
  });

  it.each(['/clusters/', '/clusters/Dev/api', '/clusters/dev_1/api', '/clusters/-dev/api', `/clusters/${'a'.repeat(64)}/api`, '/clusters/dev:443/api'])(
    'answers %s as naming no cluster',
    (target) => {
      expect(refusal(target)).toBe(ProxyErrorCode.UnknownCluster);
    },
  );

  it('refuses an absolute-form target', () => {
    expect(refusal('https://evil.example.com/clusters/dev/api')).toBe(ProxyErrorCode.MalformedRequest);
  });
});
