import { kubeStatusFor } from './kube-status';
import { ProxyErrorCode, ProxyException } from './proxy.exception';

describe(kubeStatusFor.name, () => {
  it.each([
    [ProxyErrorCode.CredentialRevoked, 401, 'Unauthorized', undefined, false],
    [ProxyErrorCode.ClusterNotGranted, 403, 'Forbidden', undefined, false],
    [ProxyErrorCode.UnknownCluster, 404, 'NotFound', undefined, false],
    [ProxyErrorCode.PathNotAllowed, 400, 'BadRequest', undefined, false],
    [ProxyErrorCode.MethodNotAllowed, 400, 'BadRequest', undefined, true],
    [ProxyErrorCode.MalformedRequest, 400, 'BadRequest', undefined, true],
    [ProxyErrorCode.ClusterUnreachable, 503, 'ServiceUnavailable', 5, false],
    [ProxyErrorCode.ProvisionerUnavailable, 503, 'ServiceUnavailable', 5, false],
    [ProxyErrorCode.AuditUnavailable, 503, 'ServiceUnavailable', 5, false],
    [ProxyErrorCode.ShuttingDown, 503, 'ServiceUnavailable', 1, true],
  ])('answers %s with %i %s', (code, status, reason, retryAfterSeconds, closeConnection) => {
    const sut = kubeStatusFor(new ProxyException(code, 'the reason'));

    expect({ code: sut.code, retryAfterSeconds: sut.retryAfterSeconds, closeConnection: sut.closeConnection }).toEqual({ code: status, retryAfterSeconds, closeConnection });
    expect(JSON.parse(sut.body)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: status === 401 ? 'Unauthorized: the reason' : 'the reason',
      reason,
      code: status,
    });
  });
});
