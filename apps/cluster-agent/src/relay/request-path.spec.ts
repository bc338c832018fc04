import { pathProblem } from './request-path';

describe(pathProblem.name, () => {
  it.each([
    '/api/v1/namespaces',
    '/api/v1/namespaces/default/pods?watch=1&resourceVersion=10',
    '/apis/apps/v1/namespaces/x/deployments/web',
    '/api/v1/namespaces/x/services/https:web:443/proxy/',
    '/api/v1/namespaces/x/pods?labelSelector=app%3Dweb',
    '/version',
  ])('lets %s through', (path) => {
    expect(pathProblem(path)).toBeUndefined();
  });

  it.each([
    [undefined, 'the request has no path'],
    ['', 'the request has no path'],
    ['api/v1', 'the path must start with a single "/"'],
    ['//evil.example/api', 'the path must start with a single "/"'],
    ['https://evil.example/api', 'the path must start with a single "/"'],
    ['/proxy/http://evil.example/', 'the path contains a URL scheme'],
    ['/api/../../etc', 'the path contains "." or ".." segments'],
    ['/api/./v1', 'the path contains "." or ".." segments'],
    ['/api/%2e%2e/secret', 'the path contains "." or ".." segments'],
    ['/api/%2E%2E%2Fsecret', 'the path contains "." or ".." segments'],
    ['/api/..', 'the path contains "." or ".." segments'],
    ['/api\\..\\x', 'the path contains a backslash'],
    ['/api/%5c..', 'the path contains an encoded backslash'],
    ['/api/%zz', 'the path has malformed percent-encoding'],
    ['/api/v1 HTTP/1.1', 'the path contains spaces or control characters'],
  ])('refuses %p: %s', (path, problem) => {
    expect(pathProblem(path)).toBe(problem);
  });

  it('leaves the query alone (a label selector may hold anything)', () => {
    expect(pathProblem('/api/v1/pods?fieldSelector=metadata.name%3D..')).toBeUndefined();
  });
});
