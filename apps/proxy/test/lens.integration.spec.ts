import type { ClientHttp2Session } from 'node:http2';
import { waitFor } from '@portcullis/platform/testing';
import { ClientCredential } from './support/client-certificates';
import { Http2Watch, http2Request } from './support/http2-client';
import { CLUSTER_MODES, ProxyHarness } from './support/proxy-harness';

// What Lens (through its local client-go proxy) does on connect and while browsing, replayed over
// one HTTP/2 connection (CLIENTS.md): the connect sequence, discovery, review requests, an
// all-namespace list of 5,000 pods, a watch kept open well past every timeout the proxy could
// have, and more concurrent watches than one upstream connection carries.

const BULK_PODS = 5_000;
// Longer than any timeout a proxy might apply to an idle stream (60 s is the common default).
const LONG_WATCH_MS = 70_000;
const LENS_HEADERS = { 'user-agent': 'Lens/6.5 (freelens-k8s-proxy) kubernetes/v1.32', 'x-forwarded-for': '127.0.0.1' };

for (const mode of CLUSTER_MODES) {
  describe(`Lens through the proxy over HTTP/2 (${mode} mode)`, () => {
    let harness: ProxyHarness;
    let lens: ClientCredential;
    let session: ClientHttp2Session;
    let longWatch: Http2Watch;
    let longWatchStartedAt: number;

    const get = (path: string) => http2Request(session, 'GET', path, { headers: LENS_HEADERS });

    beforeAll(async () => {
      harness = await ProxyHarness.start({ mode });
      harness.emulator.apply([
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bulk' } },
        ...Array.from({ length: BULK_PODS }, (_, i) => ({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: `pod-${i}`, namespace: 'bulk', labels: { app: 'bulk' } },
          spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] },
        })),
      ]);
      harness.emulator.appendPodLog('bulk', 'pod-0', undefined, 'hello from pod-0');
      harness.controlPlane.grant({ subject: { kind: 'group', name: 'sre' }, cluster: 'dev', role: 'admin', namespaces: [] });
      lens = await harness.mint('lena', ['sre']);
      session = harness.http2Session(lens);

      // Opened first so it is older than LONG_WATCH_MS when the last test checks it.
      const list = await get('/clusters/dev/api/v1/namespaces/default/configmaps');
      const resourceVersion = list.json<{ metadata: { resourceVersion: string } }>().metadata.resourceVersion;
      longWatch = new Http2Watch(session, `/clusters/dev/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${resourceVersion}&timeoutSeconds=600`, LENS_HEADERS);
      longWatchStartedAt = Date.now();
      await waitFor(() => longWatch.status === 200, 'the long watch to start');
    });

    afterAll(async () => {
      session?.close();
      await harness?.stop();
    });

    it('connects: version, access reviews, namespaces, discovery, rules reviews', async () => {
      expect((await get('/clusters/dev/version')).json()).toMatchObject({ gitVersion: 'v1.32.4' });

      const review = (namespace: string, resource: string, verb: string) =>
        http2Request(session, 'POST', '/clusters/dev/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
          headers: LENS_HEADERS,
          body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace, resource, verb } } },
        });
      // `admin` is not cluster-admin: Lens must see "not admin", from the cluster itself.
      expect((await review('kube-system', '*', 'create')).json()).toMatchObject({ kind: 'SelfSubjectAccessReview', status: { allowed: false } });
      expect((await review('kube-system', '*', 'watch')).json()).toMatchObject({ kind: 'SelfSubjectAccessReview', status: { allowed: false } });
      expect((await review('bulk', 'pods', 'watch')).json()).toMatchObject({ status: { allowed: true } });

      const namespaces = (await get('/clusters/dev/api/v1/namespaces')).json<{ items: Array<{ metadata: { name: string } }> }>();
      expect(namespaces.items.map((item) => item.metadata.name)).toEqual(expect.arrayContaining(['default', 'kube-system', 'bulk']));

      const api = (await get('/clusters/dev/api')).json();
      const apis = (await get('/clusters/dev/apis')).json<{ groups: Array<{ preferredVersion: { groupVersion: string } }> }>();
      expect(api).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
      const groupVersions = ['/api/v1', ...apis.groups.map((group) => `/apis/${group.preferredVersion.groupVersion}`)];
      for (let i = 0; i < groupVersions.length; i += 5) {
        const batch = await Promise.all(groupVersions.slice(i, i + 5).map((path) => get(`/clusters/dev${path}`)));
        expect(batch.map((response) => [response.status, response.json().kind])).toEqual(batch.map(() => [200, 'APIResourceList']));
      }

      const rules = await http2Request(session, 'POST', '/clusters/dev/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
        headers: LENS_HEADERS,
        body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'bulk' } },
      });
      expect(rules.json<{ status: { resourceRules: Array<{ verbs: string[]; resources: string[] }> } }>().status.resourceRules).toEqual(
        expect.arrayContaining([expect.objectContaining({ resources: expect.arrayContaining(['pods']), verbs: expect.arrayContaining(['list']) })]),
      );

      expect((await get('/clusters/dev/api/v1/namespaces/default')).status).toBe(200);
      // Lens' periodic `GET /`: the cluster's answer (the JIT ServiceAccount may not read "/"), passed on.
      const root = await get('/clusters/dev/');
      expect([root.status, root.json().message]).toEqual([403, expect.stringMatching(/^forbidden: User "system:serviceaccount:portcullis-system:pc-\w+" cannot get path "\/"/)]);
    });

    it('aggregated discovery comes back in the form asked for', async () => {
      const response = await http2Request(session, 'GET', '/clusters/dev/apis', {
        headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' },
      });

      expect(response.headers['content-type']).toContain('as=APIGroupDiscoveryList');
      expect(response.json()).toMatchObject({ kind: 'APIGroupDiscoveryList' });
    });

    it('lists 5,000 pods across namespaces in one unpaginated answer, well within 30 s', async () => {
      const startedAt = Date.now();

      const response = await get('/clusters/dev/api/v1/pods');

      expect(response.status).toBe(200);
      const pods = response.json<{ items: Array<{ metadata: { namespace: string } }> }>();
      expect(pods.items.filter((pod) => pod.metadata.namespace === 'bulk')).toHaveLength(BULK_PODS);
      expect(Date.now() - startedAt).toBeLessThan(30_000);
    });

    it('polls logs as Lens does', async () => {
      const response = await get('/clusters/dev/api/v1/namespaces/bulk/pods/pod-0/log?tailLines=500&timestamps=true&container=main');

      expect(response.status).toBe(200);
      expect(response.body).toMatch(/^\S+Z hello from pod-0\n$/);
    });

    it('carries more concurrent watches than one upstream connection allows, each receiving its event', async () => {
      harness.emulator.apply([
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fanout' } },
        ...Array.from({ length: 150 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: 'fanout' }, data: { i: String(i) } })),
      ]);
      const watches = Array.from({ length: 150 }, (_, i) => new Http2Watch(session, `/clusters/dev/api/v1/namespaces/fanout/configmaps?watch=1&fieldSelector=metadata.name%3Dcm-${i}`, LENS_HEADERS));
      try {
        await waitFor(() => watches.every((watch) => watch.status === 200 && watch.events.length === 1), 'every watch to start and see its object', 20_000);
        expect(watches.filter((watch) => watch.refusal)).toEqual([]);
        // In agent mode the agent holds the API server connections, the proxy only its tunnel.
        const [opsUrl, series] = mode === 'agent' ? [harness.agent?.opsUrl, 'agent_api_server_connections'] : [harness.opsUrl, 'proxy_upstream_connections'];
        const metrics = await (await fetch(`${opsUrl}/metrics`)).text();
        const connections = Number(new RegExp(`^${series}(?:\\{[^}]*\\})? (\\d+)$`, 'm').exec(metrics)?.[1]);
        expect(connections).toBeGreaterThanOrEqual(2);

        harness.emulator.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-149', namespace: 'fanout' }, data: { i: 'changed' } });

        await waitFor(() => watches[149].events.some((event) => event.type === 'MODIFIED'), 'the 150th watch to see the change');
      } finally {
        for (const watch of watches) watch.close();
      }
    });

    it('answers HTTP/2 PINGs', async () => {
      const duration = await new Promise<number>((resolve, reject) => session.ping((error, ms) => (error ? reject(error) : resolve(ms))));

      expect(duration).toBeLessThan(1_000);
    });

    it(`keeps a quiet watch open for ${LONG_WATCH_MS / 1000} s and still delivers on it`, async () => {
      const remaining = LONG_WATCH_MS - (Date.now() - longWatchStartedAt);
      if (remaining > 0) await new Promise((resolve) => setTimeout(resolve, remaining));
      expect(longWatch.ended).toBe(false);

      harness.emulator.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late', namespace: 'default' }, data: { at: new Date().toISOString() } });

      await waitFor(() => longWatch.events.some((event) => event.type === 'ADDED' && event.object.metadata?.name === 'late'), 'the long watch to deliver');
      expect(Date.now() - longWatchStartedAt).toBeGreaterThanOrEqual(LONG_WATCH_MS);
      longWatch.close();
    }, LONG_WATCH_MS + 30_000);
  });
}
