import { clientResponseHeaders, upstreamRequestHeaders } from './forwarded-headers';

describe(upstreamRequestHeaders.name, () => {
  const incoming = {
    ':method': 'GET',
    ':path': '/clusters/dev/api',
    ':authority': 'proxy.example.com',
    host: 'proxy.example.com',
    accept: 'application/vnd.kubernetes.protobuf,application/json',
    'user-agent': 'kubectl/v1.32.4',
    authorization: 'Bearer stolen',
    'impersonate-user': 'admin',
    'impersonate-group': ['system:masters'],
    'impersonate-uid': '1',
    'impersonate-extra-scopes': 'all',
    'x-forwarded-for': '10.0.0.1',
    'x-forwarded-proto': 'http',
    forwarded: 'for=10.0.0.1',
    'x-real-ip': '10.0.0.1',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    connection: 'keep-alive, x-secret-hop',
    'keep-alive': 'timeout=5',
    'x-secret-hop': 'drop me',
    'transfer-encoding': 'chunked',
    te: 'trailers',
    'proxy-authorization': 'Basic x',
    expect: '100-continue',
    'content-type': 'application/json',
    'x-stream-protocol-version': 'v5.channel.k8s.io',
  };

  it('keeps what the API server needs and replaces identity, forwarding and hop-by-hop headers', () => {
    const sut = upstreamRequestHeaders(incoming, { token: 'jit', peerAddress: '192.0.2.7', upgrade: false });

    expect(sut).toEqual({
      accept: 'application/vnd.kubernetes.protobuf,application/json',
      'user-agent': 'kubectl/v1.32.4',
      'content-type': 'application/json',
      'x-stream-protocol-version': 'v5.channel.k8s.io',
      authorization: 'Bearer jit',
      'x-forwarded-for': '192.0.2.7',
    });
  });

  it('keeps Upgrade, Connection: Upgrade and the WebSocket handshake for an upgrade', () => {
    const sut = upstreamRequestHeaders(
      {
        host: 'proxy',
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-version': '13',
        'sec-websocket-protocol': 'v5.channel.k8s.io, v4.channel.k8s.io',
        'impersonate-user': 'admin',
      },
      { token: 'jit', peerAddress: '127.0.0.1', upgrade: true },
    );

    expect(sut).toEqual({
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'sec-websocket-version': '13',
      'sec-websocket-protocol': 'v5.channel.k8s.io, v4.channel.k8s.io',
      authorization: 'Bearer jit',
      'x-forwarded-for': '127.0.0.1',
    });
  });
});

describe(clientResponseHeaders.name, () => {
  it('drops pseudo and hop-by-hop headers of the upstream answer', () => {
    expect(clientResponseHeaders({ ':status': '200', 'content-type': 'application/json', 'content-length': '2', 'audit-id': 'x', connection: 'close' })).toEqual({
      'content-type': 'application/json',
      'content-length': '2',
      'audit-id': 'x',
    });
  });
});
