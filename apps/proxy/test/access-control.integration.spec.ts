import { ensureDevPki } from '@portcullis/dev-pki';
import { freePort } from '@portcullis/platform/testing';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClientCredential, TestCertificateAuthority } from './support/client-certificates';
import { ProxyHarness } from './support/proxy-harness';
import { parseRawResponse, rawTlsExchange } from './support/raw-tls';
import { RecordingUpstream } from './support/recording-upstream';

// What the proxy refuses, and what it sends when it does not: status, Kubernetes Status body,
// and never an upstream call for a refusal (checked in the emulator's access log).

function statusBody(code: number, reason: string, message: string | RegExp) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason, code, message: typeof message === 'string' ? message : expect.stringMatching(message) };
}

describe('access control at the proxy', () => {
  let harness: ProxyHarness;
  let recording: RecordingUpstream;
  let alice: ClientCredential;
  let upstreamCallsBefore: number;

  beforeAll(async () => {
    harness = await ProxyHarness.start({ env: { SA_TOKEN_TIMEOUT_MS: '1000' } });
    recording = await RecordingUpstream.start();
    harness.controlPlane.registerCluster('prod', harness.emulator);
    harness.controlPlane.registerStaticCluster('recorder', `${recording.url}/prefix/k8s`, recording.caPem, 'jit-token-for-recorder');
    harness.controlPlane.registerStaticCluster('down', `https://127.0.0.1:${await freePort()}`, recording.caPem, 'jit-token-for-down');
    for (const cluster of ['dev', 'recorder', 'down']) {
      harness.controlPlane.grant({ subject: { kind: 'group', name: 'developers' }, cluster, role: 'view', namespaces: [] });
    }
    alice = await harness.mint('alice', ['developers']);
  });

  beforeEach(() => {
    upstreamCallsBefore = harness.emulator.accessLog.length;
  });

  afterAll(async () => {
    await harness?.stop();
    await recording?.stop();
  });

  // The provisioner stand-in's own TokenRequests (as admin) are not calls of the proxy.
  const noUpstreamCall = () => expect(harness.emulator.accessLog.slice(upstreamCallsBefore).filter((entry) => entry.user !== 'admin')).toEqual([]);

  describe('credentials', () => {
    let foreign: TestCertificateAuthority;
    let foreignDir: string;

    beforeAll(async () => {
      foreignDir = fs.mkdtempSync(path.join(os.tmpdir(), 'foreign-ca-'));
      const pki = await ensureDevPki(foreignDir);
      foreign = await TestCertificateAuthority.fromPem(fs.readFileSync(pki.kubeconfigCaCertFile, 'utf8'), fs.readFileSync(pki.kubeconfigCaKeyFile, 'utf8'));
    });

    afterAll(() => fs.rmSync(foreignDir, { recursive: true, force: true }));

    it.each([
      ['no certificate', async () => undefined, /no client certificate/],
      ['a certificate of another CA (forged)', async () => foreign.mint({ userId: 'alice', groups: ['developers'] }), /not issued by Portcullis/],
      ['an expired certificate', async () => harness.mint('alice', ['developers'], { notBefore: new Date(Date.now() - 7_200_000), notAfter: new Date(Date.now() - 3_600_000) }), /expired/],
      ['a certificate not valid yet', async () => harness.mint('alice', ['developers'], { notBefore: new Date(Date.now() + 3_600_000) }), /not valid yet/],
      ['a server certificate', async () => harness.mint('alice', ['developers'], { extendedKeyUsage: 'serverAuth' }), /not for client authentication/],
      ['a certificate naming no kubeconfig', async () => harness.mint('alice', ['developers'], { kubeconfigUri: false }), /does not identify a Portcullis kubeconfig/],
    ])('answers %s with 401 and a Status, without calling the cluster', async (_case, credential, message) => {
      const response = await harness.request(await credential(), 'GET', '/clusters/dev/api/v1/namespaces/default/pods');

      expect(response.status).toBe(401);
      expect(response.headers['content-type']).toBe('application/json');
      expect(response.json()).toEqual(statusBody(401, 'Unauthorized', message));
      noUpstreamCall();
    });

    it('ignores a bearer token, even the cluster admin’s', async () => {
      const response = await harness.request(undefined, 'GET', '/clusters/dev/api', { headers: { authorization: `Bearer ${harness.emulator.adminToken}` } });

      expect(response.status).toBe(401);
      noUpstreamCall();
    });

    it('refuses a revoked credential from the moment the event arrives, and closes its HTTP/2 connection', async () => {
      const dave = await harness.mint('dave', ['developers']);
      const session = harness.http2Session(dave);
      const first = await new Promise<number>((resolve, reject) => {
        const stream = session.request({ ':path': '/clusters/dev/api/v1/namespaces/default/pods?watch=1' });
        stream.on('response', (headers) => resolve(Number(headers[':status'])));
        stream.on('error', () => undefined);
        stream.on('close', () => undefined);
        session.on('error', reject);
      });
      expect(first).toBe(200);
      const closed = new Promise<number>((resolve) => session.once('close', () => resolve(Date.now())));

      const revokedAt = Date.now();
      await harness.controlPlane.publishRevocation(dave.kubeconfigId, 'dave');

      expect((await closed) - revokedAt).toBeLessThan(1_000);
      const since = harness.emulator.accessLog.length;
      const next = await harness.request(dave, 'GET', '/clusters/dev/api');
      expect(next.status).toBe(401);
      expect(next.json()).toEqual(statusBody(401, 'Unauthorized', /revoked/));
      expect(harness.emulator.accessLog.slice(since)).toEqual([]);
    });
  });

  describe('routing', () => {
    it('answers a cluster without a grant with 403 naming it, and an unknown one with 404', async () => {
      const forbidden = await harness.request(alice, 'GET', '/clusters/prod/api/v1/pods');
      const unknown = await harness.request(alice, 'GET', '/clusters/ghost/api/v1/pods');
      const outside = await harness.request(alice, 'GET', '/api/v1/pods');

      expect([forbidden.status, forbidden.json()]).toEqual([403, statusBody(403, 'Forbidden', 'clusters "prod" is forbidden: User "alice" has no access to cluster "prod" through Portcullis')]);
      expect([unknown.status, unknown.json()]).toEqual([404, statusBody(404, 'NotFound', 'clusters "ghost" not found')]);
      expect([outside.status, outside.json()]).toEqual([404, statusBody(404, 'NotFound', /serves only \/clusters\/<cluster>/)]);
      noUpstreamCall();
    });

    it.each([
      '/clusters/dev/../prod/api/v1/pods',
      '/clusters/dev/api/v1/namespaces/default/../../../../prod',
      '/clusters/dev/./api',
      '/clusters/dev/api/%2e%2e/%2e%2e/prod',
      '/clusters/dev/%2E%2E/prod/api',
      '/clusters/dev/api%2fv1/pods',
      '/clusters/dev/api%2Fv1%2Fpods',
      '/clusters/dev/api%5cv1',
      '/clusters/dev/api\\v1\\pods',
      '/clusters/dev//api/v1/pods',
      '/clusters/dev/api/v1/pods%00',
      '/clusters/..%2fprod/api',
      '/clusters/%2e%2e/api',
    ])('refuses %s with 400 before calling any cluster', async (target) => {
      const response = await harness.request(alice, 'GET', target);

      expect(response.status).toBe(400);
      expect(response.json()).toEqual(statusBody(400, 'BadRequest', /path contains/));
      noUpstreamCall();
    });

    it('refuses a path escape over HTTP/2 too', async () => {
      const session = harness.http2Session(alice);
      try {
        const status = await new Promise<number>((resolve, reject) => {
          const stream = session.request({ ':path': '/clusters/dev/api/../../prod/api' });
          stream.on('response', (headers) => resolve(Number(headers[':status'])));
          stream.on('error', reject);
          stream.resume();
        });
        expect(status).toBe(400);
      } finally {
        session.close();
      }
      noUpstreamCall();
    });
  });

  describe('what reaches the cluster', () => {
    it('forwards path (with the cluster’s own prefix), query and Accept unchanged, under the JIT token only', async () => {
      const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
      const response = await harness.request(alice, 'GET', '/clusters/recorder/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=500', {
        headers: {
          accept,
          authorization: `Bearer ${harness.emulator.adminToken}`,
          'impersonate-user': 'admin',
          'impersonate-group': 'system:masters',
          'impersonate-extra-scopes': 'all',
          'x-forwarded-for': '10.1.2.3',
          'x-forwarded-host': 'evil.example.com',
          forwarded: 'for=10.1.2.3',
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
          'keep-alive': 'timeout=5',
          'user-agent': 'kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd',
        },
      });

      expect(response.status).toBe(200);
      const received = recording.requests[recording.requests.length - 1];
      expect(received.path).toBe('/prefix/k8s/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=500');
      expect(received.headers).toMatchObject({
        ':method': 'GET',
        accept,
        authorization: 'Bearer jit-token-for-recorder',
        'x-forwarded-for': '127.0.0.1',
        'user-agent': 'kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd',
      });
      const names = Object.keys(received.headers);
      expect(names.filter((name) => /^impersonate-|^x-forwarded-(?!for$)|^forwarded$|^keep-alive$/.test(name))).toEqual([]);
      expect(received.headers.traceparent).not.toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    });

    it('sends a bodiless request the API server refused unprocessed once more, and never one with a body', async () => {
      recording.refuseNext = 1;
      let before = recording.streamsReceived;
      const read = await harness.request(alice, 'GET', '/clusters/recorder/api/v1/namespaces/default/pods');
      expect(read.status).toBe(200);
      expect(recording.streamsReceived - before).toBe(2);

      recording.refuseNext = 2;
      before = recording.streamsReceived;
      const refusedTwice = await harness.request(alice, 'GET', '/clusters/recorder/api/v1/namespaces/default/pods');
      expect(refusedTwice.status).toBe(503);
      expect(recording.streamsReceived - before).toBe(2);

      recording.refuseNext = 1;
      before = recording.streamsReceived;
      const write = await harness.request(alice, 'POST', '/clusters/recorder/api/v1/namespaces/default/configmaps', { headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(write.status).toBe(503);
      expect(recording.streamsReceived - before).toBe(1);
    });

    it('streams a request body upstream', async () => {
      const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { big: 'y'.repeat(300_000) } });

      const response = await harness.request(alice, 'POST', '/clusters/recorder/api/v1/namespaces/default/configmaps', {
        headers: { 'content-type': 'application/json' },
        body,
      });

      expect(response.status).toBe(200);
      expect(recording.requests.at(-1)).toMatchObject({ method: 'POST', headers: { 'content-length': String(body.length) } });
    });
  });

  describe('failures on the way to a cluster', () => {
    afterEach(() => {
      harness.controlPlane.provisionerFailure = undefined;
      harness.controlPlane.provisioningDelayMs = 0;
    });

    it('answers an unreachable cluster with 503, Retry-After and the cluster’s name', async () => {
      const response = await harness.request(alice, 'GET', '/clusters/down/api');

      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json()).toEqual(statusBody(503, 'ServiceUnavailable', /^cluster "down" is unreachable \(ECONNREFUSED: connect ECONNREFUSED 127\.0\.0\.1:\d+\); retry later$/));
    });

    it('answers a provisioner that does not answer in time with 503 naming the cluster', async () => {
      harness.controlPlane.provisioningDelayMs = 1_500;
      const erin = await harness.mint('erin', ['developers']);

      const response = await harness.request(erin, 'GET', '/clusters/dev/api');

      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json()).toEqual(statusBody(503, 'ServiceUnavailable', 'cannot reach cluster "dev": the service-account provisioner did not answer in time; retry later'));
      noUpstreamCall();
    });

    it('passes the provisioner’s verdict on: an unreachable cluster is a 503 naming it', async () => {
      harness.controlPlane.provisionerFailure = 'CLUSTER_UNREACHABLE';
      const frank = await harness.mint('frank', ['developers']);

      const response = await harness.request(frank, 'GET', '/clusters/dev/api');

      expect([response.status, response.json()]).toEqual([503, statusBody(503, 'ServiceUnavailable', /^cluster "dev" is unreachable: /)]);
    });

    it('provisions once for many concurrent first requests of one person', async () => {
      harness.controlPlane.provisioningDelayMs = 300;
      const grace = await harness.mint('grace', ['developers']);
      const session = harness.http2Session(grace);
      try {
        const statuses = await Promise.all(
          Array.from(
            { length: 25 },
            () =>
              new Promise<number>((resolve, reject) => {
                const stream = session.request({ ':path': '/clusters/dev/api/v1/namespaces/default/configmaps' });
                stream.on('response', (headers) => resolve(Number(headers[':status'])));
                stream.on('error', reject);
                stream.resume();
              }),
          ),
        );
        expect(statuses).toEqual(Array(25).fill(200));
      } finally {
        session.close();
      }
      expect(harness.controlPlane.tokenRequests.filter((request) => request.userId === 'grace')).toHaveLength(1);
    });
  });

  describe('malformed HTTP/1.1 (raw sockets)', () => {
    const cases: Array<[string, string]> = [
      ['Content-Length with Transfer-Encoding', 'POST /clusters/dev/api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: p\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
      ['two conflicting Content-Lengths', 'POST /clusters/dev/api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: p\r\nContent-Length: 5\r\nContent-Length: 40\r\n\r\nhello'],
      ['two equal Content-Lengths', 'POST /clusters/dev/api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: p\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello'],
      ['Transfer-Encoding: chunked, identity', 'POST /clusters/dev/api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: p\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n'],
      ['an unknown Transfer-Encoding', 'POST /clusters/dev/api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: p\r\nTransfer-Encoding: xchunked\r\n\r\n'],
      ['a Content-Length that is no number', 'POST /clusters/dev/api HTTP/1.1\r\nHost: p\r\nContent-Length: 1e3\r\n\r\n'],
      ['headers over MAX_HEADER_BYTES', `GET /clusters/dev/api HTTP/1.1\r\nHost: p\r\nX-Padding: ${'a'.repeat(40 * 1024)}\r\n\r\n`],
      ['an invalid method', 'FOO /clusters/dev/api HTTP/1.1\r\nHost: p\r\n\r\n'],
      ['TRACE', 'TRACE /clusters/dev/api HTTP/1.1\r\nHost: p\r\n\r\n'],
      ['CONNECT', 'CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n'],
      ['an absolute-form target', 'GET https://evil.example.com/clusters/dev/api HTTP/1.1\r\nHost: p\r\n\r\n'],
      ['a header without a colon', 'GET /clusters/dev/api HTTP/1.1\r\nHost: p\r\nBroken header\r\n\r\n'],
      ['an upgrade to another protocol (h2c)', 'GET /clusters/dev/api HTTP/1.1\r\nHost: p\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n'],
    ];

    it.each(cases)('answers %s with 400 and closes the connection', async (_case, payload) => {
      const exchange = await rawTlsExchange(harness.proxyUrl, harness.proxyCaPem, alice, payload);

      const response = parseRawResponse(exchange.response);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest' });
      expect(exchange.closedByServer).toBe(true);
      noUpstreamCall();
    });

    it('still serves a well-formed request on the same kind of connection', async () => {
      const exchange = await rawTlsExchange(harness.proxyUrl, harness.proxyCaPem, alice, 'GET /clusters/dev/version HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n');

      expect(parseRawResponse(exchange.response).status).toBe(200);
      expect(exchange.response).toContain('"gitVersion":"v1.32.4"');
    });
  });
});
