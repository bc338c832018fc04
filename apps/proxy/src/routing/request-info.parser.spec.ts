import { RequestInfo, RequestInfoParser } from './request-info.parser';

// Expectations follow k8s.io/apiserver's RequestInfoFactory (pkg/endpoints/request/requestinfo.go)
// and its own test table.

type Expected = Partial<RequestInfo>;

describe(RequestInfoParser.name, () => {
  const sut = new RequestInfoParser();

  const resource = (expected: Expected): Expected => ({ isResourceRequest: true, ...expected });

  it.each<[string, string, string, Expected]>([
    // core group, collection and object verbs
    ['GET', '/api/v1/namespaces', '', resource({ verb: 'list', apiPrefix: 'api', apiVersion: 'v1', resource: 'namespaces' })],
    ['GET', '/api/v1/namespaces/other', '', resource({ verb: 'get', apiVersion: 'v1', namespace: 'other', resource: 'namespaces', name: 'other' })],
    ['GET', '/api/v1/namespaces/other/pods', '', resource({ verb: 'list', namespace: 'other', resource: 'pods' })],
    ['GET', '/api/v1/namespaces/other/pods/foo', '', resource({ verb: 'get', namespace: 'other', resource: 'pods', name: 'foo' })],
    ['HEAD', '/api/v1/namespaces/other/pods/foo', '', resource({ verb: 'get', resource: 'pods', name: 'foo' })],
    ['GET', '/api/v1/pods', '', resource({ verb: 'list', resource: 'pods' })],
    ['POST', '/api/v1/namespaces/other/pods', '', resource({ verb: 'create', namespace: 'other', resource: 'pods' })],
    ['PUT', '/api/v1/namespaces/other/pods/foo', '', resource({ verb: 'update', resource: 'pods', name: 'foo' })],
    ['PATCH', '/api/v1/namespaces/other/pods/foo', '', resource({ verb: 'patch', resource: 'pods', name: 'foo' })],
    ['DELETE', '/api/v1/namespaces/other/pods/foo', '', resource({ verb: 'delete', resource: 'pods', name: 'foo' })],
    ['DELETE', '/api/v1/namespaces/other/pods', '', resource({ verb: 'deletecollection', namespace: 'other', resource: 'pods' })],
    ['POST', '/api/v1/namespaces', '', resource({ verb: 'create', resource: 'namespaces' })],
    // named groups
    ['GET', '/apis/apps/v1/namespaces/shop/deployments/web', '', resource({ verb: 'get', apiPrefix: 'apis', apiGroup: 'apps', apiVersion: 'v1', namespace: 'shop', resource: 'deployments', name: 'web' })],
    ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles', '', resource({ verb: 'list', apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles' })],
    ['POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', '', resource({ verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' })],
    // watches: the query parameter, its values, and the deprecated /watch/ prefix
    ['GET', '/api/v1/namespaces/other/pods', '?watch=true', resource({ verb: 'watch', resource: 'pods' })],
    ['GET', '/api/v1/namespaces/other/pods', '?watch=1&resourceVersion=42&timeoutSeconds=600', resource({ verb: 'watch', resource: 'pods' })],
    ['GET', '/api/v1/namespaces/other/pods', 'watch=True', resource({ verb: 'watch', resource: 'pods' })],
    ['GET', '/api/v1/namespaces/other/pods', '?watch=false', resource({ verb: 'list', resource: 'pods' })],
    ['GET', '/api/v1/namespaces/other/pods', '?watch=0', resource({ verb: 'list', resource: 'pods' })],
    ['GET', '/api/v1/namespaces/other/pods', '?watch=f', resource({ verb: 'list', resource: 'pods' })],
    ['GET', '/api/v1/namespaces/other/pods', '?watch=yes', resource({ verb: 'watch', resource: 'pods' })],
    ['GET', '/api/v1/namespaces/other/pods', '?watch', resource({ verb: 'watch', resource: 'pods' })],
    ['GET', '/api/v1/watch/namespaces/other/pods', '', resource({ verb: 'watch', namespace: 'other', resource: 'pods' })],
    ['GET', '/api/v1/watch/namespaces/other/pods/foo', '', resource({ verb: 'watch', namespace: 'other', resource: 'pods', name: 'foo' })],
    ['GET', '/apis/apps/v1/watch/deployments', '', resource({ verb: 'watch', apiGroup: 'apps', resource: 'deployments' })],
    // a list or watch narrowed to one object by field selector names it
    ['GET', '/api/v1/namespaces/other/pods', '?fieldSelector=metadata.name%3Dfoo', resource({ verb: 'list', resource: 'pods', name: 'foo' })],
    ['GET', '/api/v1/namespaces/other/pods', '?watch=1&fieldSelector=metadata.name%3D%3Dfoo', resource({ verb: 'watch', resource: 'pods', name: 'foo' })],
    ['GET', '/api/v1/namespaces/other/pods', '?fieldSelector=metadata.name!%3Dfoo', resource({ verb: 'list', resource: 'pods', name: '' })],
    ['GET', '/api/v1/namespaces/other/pods', '?fieldSelector=status.phase%3DRunning,metadata.name%3Dbar', resource({ verb: 'list', name: 'bar' })],
    ['GET', '/api/v1/namespaces/other/pods', '?fieldSelector=metadata.name%3D..', resource({ verb: 'list', name: '' })],
    // an unparsable watch value makes the API server ignore the field selector
    ['GET', '/api/v1/namespaces/other/pods', '?watch=yes&fieldSelector=metadata.name%3Dfoo', resource({ verb: 'watch', name: '' })],
    // subresources
    ['GET', '/api/v1/namespaces/other/pods/foo/log', '?follow=true&container=main', resource({ verb: 'get', resource: 'pods', name: 'foo', subresource: 'log' })],
    ['GET', '/api/v1/namespaces/other/pods/foo/exec', '?command=cat&stdin=true', resource({ verb: 'get', resource: 'pods', name: 'foo', subresource: 'exec' })],
    ['POST', '/api/v1/namespaces/other/pods/foo/exec', '?command=cat', resource({ verb: 'create', resource: 'pods', name: 'foo', subresource: 'exec' })],
    ['POST', '/api/v1/namespaces/other/pods/foo/attach', '', resource({ verb: 'create', subresource: 'attach' })],
    ['GET', '/api/v1/namespaces/other/pods/foo/portforward', '', resource({ verb: 'get', subresource: 'portforward' })],
    ['PUT', '/api/v1/namespaces/other/pods/foo/status', '', resource({ verb: 'update', resource: 'pods', name: 'foo', subresource: 'status' })],
    ['PATCH', '/apis/apps/v1/namespaces/shop/deployments/web/scale', '', resource({ verb: 'patch', apiGroup: 'apps', resource: 'deployments', name: 'web', subresource: 'scale' })],
    ['POST', '/api/v1/namespaces/portcullis-system/serviceaccounts/pc-1/token', '', resource({ verb: 'create', resource: 'serviceaccounts', name: 'pc-1', subresource: 'token' })],
    ['GET', '/api/v1/namespaces/other/pods/foo/proxy/metrics', '', resource({ verb: 'get', resource: 'pods', name: 'foo', subresource: 'proxy' })],
    ['POST', '/api/v1/namespaces/monitoring/services/prometheus:9090/proxy/api/v1/query_range', '', resource({ verb: 'create', namespace: 'monitoring', resource: 'services', name: 'prometheus:9090', subresource: 'proxy' })],
    // the namespace's own subresources stay on the namespace
    ['PUT', '/api/v1/namespaces/other/finalize', '', resource({ verb: 'update', namespace: 'other', resource: 'namespaces', name: 'other', subresource: 'finalize' })],
    ['GET', '/api/v1/namespaces/other/status', '', resource({ verb: 'get', namespace: 'other', resource: 'namespaces', name: 'other', subresource: 'status' })],
    // the deprecated /proxy/ verb has no subresource
    ['GET', '/api/v1/proxy/namespaces/other/pods/foo/some/path', '', resource({ verb: 'proxy', namespace: 'other', resource: 'pods', name: 'foo', subresource: '' })],
    // unknown methods leave the verb empty
    ['OPTIONS', '/api/v1/pods', '', resource({ verb: '', resource: 'pods' })],
    // percent-encoded names are decoded, as Go's URL.Path is
    ['GET', '/api/v1/namespaces/other/configmaps/my%20config', '', resource({ verb: 'get', resource: 'configmaps', name: 'my config' })],
  ])('%s %s%s', (method, path, query, expected) => {
    expect(sut.parse(method, path, query)).toMatchObject(expected);
  });

  it.each<[string, string, string]>([
    ['GET', '/', 'get'],
    ['GET', '/version', 'get'],
    ['GET', '/healthz/ready', 'get'],
    ['GET', '/api', 'get'],
    ['GET', '/api/v1', 'get'],
    ['GET', '/apis', 'get'],
    ['GET', '/apis/apps', 'get'],
    ['GET', '/apis/apps/v1', 'get'],
    ['GET', '/openapi/v3/apis/apps/v1', 'get'],
    ['POST', '/api', 'post'],
    ['GET', '/api/v1/watch', 'get'],
    ['GET', '/metrics', 'get'],
  ])('treats %s %s as a non-resource request with verb %s', (method, path, verb) => {
    expect(sut.parse(method, path, '')).toEqual({
      isResourceRequest: false,
      path,
      verb,
      apiPrefix: '',
      apiGroup: '',
      apiVersion: '',
      namespace: '',
      resource: '',
      subresource: '',
      name: '',
    });
  });

  it('keeps the decoded path of a resource request for the audit trail', () => {
    expect(sut.parse('GET', '/api/v1/namespaces/a%20b/pods/', '').path).toBe('/api/v1/namespaces/a b/pods/');
  });
});
