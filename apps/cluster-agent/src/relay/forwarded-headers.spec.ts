import { AGENT_CREDENTIAL_HEADER } from '@portcullis/platform/tunnel';
import http2 from 'node:http2';
import { apiServerRequestHeaders, tunnelResponseHeaders } from './forwarded-headers';

const target = { authority: '10.96.0.1:443', path: '/base/api/v1/namespaces' };

describe(apiServerRequestHeaders.name, () => {
  const incoming = {
    ':method': 'GET',
    ':path': '/api/v1/namespaces',
    ':authority': 'tunnel',
    ':scheme': 'http',
    authorization: 'Bearer jit-token',
    accept: 'application/json',
    'user-agent': 'kubectl/v1.32.4',
    'x-dropped': 'by connection',
    connection: 'keep-alive, x-dropped',
    'keep-alive': 'timeout=5',
    'transfer-encoding': 'chunked',
    [AGENT_CREDENTIAL_HEADER]: 'self',
  };

  it("keeps the person's Authorization and end-to-end headers, and points at the API server", () => {
    const sut = apiServerRequestHeaders(incoming, target, { kind: 'person' });

    expect(sut).toEqual({
      ':method': 'GET',
      ':scheme': 'https',
      ':authority': '10.96.0.1:443',
      ':path': '/base/api/v1/namespaces',
      authorization: 'Bearer jit-token',
      accept: 'application/json',
      'user-agent': 'kubectl/v1.32.4',
      [http2.sensitiveHeaders]: ['authorization'],
    });
  });

  it("replaces Authorization with the agent's own for `self`", () => {
    const sut = apiServerRequestHeaders(incoming, target, { kind: 'self', authorization: 'Bearer agent-token' });

    expect(sut.authorization).toBe('Bearer agent-token');
    expect(sut[AGENT_CREDENTIAL_HEADER]).toBeUndefined();
  });

  it('sends no Authorization at all for `self` when the agent authenticates by client certificate', () => {
    const sut = apiServerRequestHeaders(incoming, target, { kind: 'self', authorization: undefined });

    expect(sut.authorization).toBeUndefined();
  });
});

describe(tunnelResponseHeaders.name, () => {
  it('keeps the status and end-to-end headers', () => {
    const sut = tunnelResponseHeaders({ ':status': '200', 'content-type': 'application/json', connection: 'close', 'audit-id': 'abc' });

    expect(sut).toEqual({ ':status': '200', 'content-type': 'application/json', 'audit-id': 'abc' });
  });
});
