import { freePort, waitFor } from '@portcullis/platform/testing';
import { PORTS_ANNOTATION } from '@portcullis/kube-emulator';
import { ClientCredential } from './support/client-certificates';
import { JIT_NAMESPACE, jitServiceAccountName, TestGrant } from './support/control-plane-stand-in';
import { echoRoundTrip, startEchoServer } from './support/echo-server';
import { CLUSTER_MODES, describeWithKubectl, Kubectl, ProxyHarness, RunningKubectl } from './support/proxy-harness';

// The real kubectl (1.32) through the proxy against the emulator, as a developer uses it with a
// kubeconfig from the portal. alice may `edit` in namespace `shop` only.

const MANIFEST = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {colour: blue}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
`;

for (const mode of CLUSTER_MODES) {
  describeWithKubectl(`kubectl through the proxy (${mode} mode)`, () => {
    let harness: ProxyHarness;
    let echo: Awaited<ReturnType<typeof startEchoServer>>;
    let alice: ClientCredential;
    let kubectl: Kubectl;
    let aliceGrant: TestGrant;
    const running: RunningKubectl[] = [];
    const serviceAccount = `system:serviceaccount:${JIT_NAMESPACE}:${jitServiceAccountName('alice')}`;

    const ok = async (args: string[], input?: string, env?: Record<string, string>) => {
      const result = await kubectl.run(args, { input, env });
      if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
      return result.stdout;
    };

    beforeAll(async () => {
      harness = await ProxyHarness.start({ mode });
      echo = await startEchoServer();
      harness.emulator.apply([
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'web', namespace: 'shop', annotations: { [PORTS_ANNOTATION]: `8080=127.0.0.1:${echo.port}` } },
          spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] },
        },
      ]);
      harness.emulator.appendPodLog('shop', 'web', undefined, 'started');
      aliceGrant = harness.controlPlane.grant({ subject: { kind: 'group', name: 'shop-devs' }, cluster: 'dev', role: 'edit', namespaces: ['shop'] });
      alice = await harness.mint('alice', ['shop-devs']);
      kubectl = harness.kubectl(alice, ['dev'], 'shop');
    });

    afterEach(async () => {
      await Promise.all(running.splice(0).map((process) => process.kill()));
    });

    afterAll(async () => {
      await harness?.stop();
      await echo?.close();
    });

    it('gets, describes, creates, applies and deletes in the granted namespace, as the JIT ServiceAccount', async () => {
      const since = harness.emulator.accessLog.length;

      expect(await ok(['apply', '-f', '-'], MANIFEST)).toBe('configmap/settings created\ndeployment.apps/web created\n');
      expect(await ok(['apply', '-f', '-'], MANIFEST.replace('colour: blue', 'colour: green'))).toBe('configmap/settings configured\ndeployment.apps/web unchanged\n');
      expect(await ok(['get', 'configmap', 'settings', '-o', 'jsonpath={.data.colour}'])).toBe('green');
      expect(await ok(['get', 'pods'])).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nweb\s+1\/1\s+Running\s+0\s+\d+s\n$/);
      expect(await ok(['describe', 'pod', 'web'])).toMatch(/^Namespace:\s+shop$/m);
      expect(await ok(['create', 'configmap', 'made', '--from-literal=k=v'])).toBe('configmap/made created\n');
      expect(await ok(['delete', '-f', '-'], MANIFEST)).toBe('configmap "settings" deleted\ndeployment.apps "web" deleted\n');
      expect(await ok(['delete', 'configmap', 'made'])).toBe('configmap "made" deleted\n');

      // Everything kubectl sent arrived as the JIT ServiceAccount; the only other identity is the
      // provisioner stand-in's TokenRequest.
      const seen = harness.emulator.accessLog.slice(since);
      const forwarded = seen.filter((entry) => entry.user !== 'admin');
      expect(forwarded.length).toBeGreaterThan(10);
      expect(new Set(forwarded.map((entry) => entry.user))).toEqual(new Set([serviceAccount]));
      expect(seen.filter((entry) => entry.user === 'admin').every((entry) => entry.subresource === 'token')).toBe(true);
    });

    it("returns the cluster's own Forbidden outside the granted namespace, unchanged", async () => {
      const result = await kubectl.run(['get', 'pods', '-n', 'kube-system']);

      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `Error from server (Forbidden): pods is forbidden: User "${serviceAccount}" cannot list resource "pods" in API group "" in the namespace "kube-system"`,
      );
    });

    it('answers auth can-i and auth whoami for the JIT ServiceAccount', async () => {
      expect(await ok(['auth', 'can-i', 'create', 'deployments'])).toBe('yes\n');
      const denied = await kubectl.run(['auth', 'can-i', 'create', 'deployments', '-n', 'default']);
      expect([denied.code, denied.stdout]).toEqual([1, 'no\n']);
      expect(await ok(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username} {.status.userInfo.groups}'])).toBe(
        `${serviceAccount} ["system:serviceaccounts","system:serviceaccounts:${JIT_NAMESPACE}","system:authenticated"]`,
      );
    });

    it('never lets a client-sent impersonation reach the cluster', async () => {
      const since = harness.emulator.accessLog.length;

      const result = await kubectl.run(['get', 'pods', '--as', 'admin', '--as-group', 'system:masters']);

      expect(result.code).toBe(0);
      const forwarded = harness.emulator.accessLog.slice(since);
      expect(forwarded.map((entry) => [entry.user, entry.impersonator])).toEqual(forwarded.map(() => [serviceAccount, undefined]));
    });

    it('refuses a cluster without a grant with 403 from the proxy, and never reaches it', async () => {
      harness.controlPlane.registerCluster('prod', harness.emulator);
      const prod = harness.kubectl(alice, ['prod']);
      const since = harness.emulator.accessLog.length;

      const result = await prod.run(['get', 'pods']);

      // kubectl prints discovery errors without their message (as it does for a real API server).
      expect(result.stderr).toMatch(/Error from server \(Forbidden\)/);
      expect(harness.emulator.accessLog.slice(since)).toEqual([]);
    });

    it('streams `get pods -w` and `logs -f`', async () => {
      const watch = kubectl.spawn(['get', 'pods', '-w', '--output-watch-events']);
      const follow = kubectl.spawn(['logs', '-f', 'web']);
      running.push(watch, follow);
      await waitFor(() => watch.stdout.includes('web'), 'the watch to list web', 15_000);
      await waitFor(() => follow.stdout.includes('started'), 'the follow to print the first line', 15_000);

      harness.emulator.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'late', namespace: 'shop' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
      harness.emulator.appendPodLog('shop', 'web', undefined, 'a line written later');

      await waitFor(() => /ADDED\s+late/.test(watch.stdout), 'the watch to see the new pod', 10_000);
      await waitFor(() => follow.stdout.includes('a line written later'), 'the follow to stream the new line', 10_000);
      harness.emulator.delete('v1', 'Pod', 'late', 'shop');
    });

    describe.each([
      ['WebSocket', {}],
      ['SPDY/3.1', { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' }],
    ])('exec over %s', (_transport, env) => {
      it('round-trips stdin through cat, to the last byte', async () => {
        const input = Array.from({ length: 5_000 }, (_, i) => `line ${i} for cat to hand back\n`).join('');

        const output = await ok(['exec', '-i', 'web', '--', 'cat'], input, env);

        expect(output.length).toBe(input.length);
        expect(output).toBe(input);
      });
    });

    describe.each([
      ['WebSocket (SPDY tunnelled)', {}],
      ['SPDY/3.1', { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }],
    ])('port-forward over %s', (_transport, env) => {
      it('round-trips bytes both ways', async () => {
        const localPort = await freePort();
        const forward = kubectl.spawn(['port-forward', 'pod/web', `${localPort}:8080`], env);
        running.push(forward);
        await waitFor(() => forward.stdout.includes('Forwarding from'), 'port-forward to listen', 15_000);

        const text = `hello through ${_transport} ${'x'.repeat(20_000)}\n`;
        expect(await echoRoundTrip(localPort, text)).toBe(text);
        expect(await echoRoundTrip(localPort, 'again\n')).toBe('again\n');
      });
    });

    it('ends a removed grant’s open watch within a second, and the cluster refuses the next request', async () => {
      const bob = await harness.mint('bob', ['observers']);
      const grant = harness.controlPlane.grant({ subject: { kind: 'group', name: 'observers' }, cluster: 'dev', role: 'view', namespaces: ['shop'] });
      const bobKubectl = harness.kubectl(bob, ['dev'], 'shop');
      const watch = bobKubectl.spawn(['get', 'pods', '-w']);
      running.push(watch);
      await waitFor(() => watch.stdout.includes('web'), 'the watch to start', 15_000);

      const removedAt = Date.now();
      await harness.controlPlane.revokeGrant(grant);

      await watch.exited;
      expect(Date.now() - removedAt).toBeLessThan(1_000);
      const next = await bobKubectl.run(['get', 'pods']);
      expect(next.stderr).toContain('Error from server (Forbidden): clusters "dev" is forbidden');
    });

    it('ends an open watch and exec within a second of a revocation; the next request gets 401', async () => {
      const carol = await harness.mint('carol', ['shop-devs']);
      const carolKubectl = harness.kubectl(carol, ['dev'], 'shop');
      const watch = carolKubectl.spawn(['get', 'pods', '-w']);
      const exec = carolKubectl.spawn(['exec', '-i', 'web', '--', 'cat']);
      running.push(watch, exec);
      await waitFor(() => watch.stdout.includes('web'), 'the watch to start', 15_000);
      exec.write('ping\n');
      await waitFor(() => exec.stdout.includes('ping'), 'the exec session to echo', 15_000);

      const revokedAt = Date.now();
      await harness.controlPlane.publishRevocation(carol.kubeconfigId, 'carol');

      await Promise.all([watch.exited, exec.exited]);
      expect(Date.now() - revokedAt).toBeLessThan(1_000);
      const next = await carolKubectl.run(['get', 'pods']);
      expect(next.stderr).toContain('error: You must be logged in to the server (Unauthorized: the kubeconfig credential was revoked');
      // aliceGrant's holders are unaffected: only carol's credential was revoked.
      expect(aliceGrant.namespaces).toEqual(['shop']);
      const after = await kubectl.run(['get', 'pods']);
      expect(after).toMatchObject({ code: 0, stderr: '' });
    });
  });
}
