import { CoreV1Api, RbacAuthorizationV1Api, Watch } from '@kubernetes/client-node';
import { KubeEmulator } from '@portcullis/kube-emulator';
import { eventually, kubeConfigFor, pod, raw } from './support/kube-test-kit';

// Watches through client-node's Watch: event order, resume by resourceVersion, 410 Expired,
// bookmarks, timeouts, selector transitions, authorization at start only, and shutdown.

interface Seen {
  type: string;
  name?: string;
  rv?: string;
  object: { metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> }; code?: number; reason?: string };
}

function recorder(): { events: Seen[]; ended: Promise<unknown>; callback: (type: string, obj: Seen['object']) => void; done: (err: unknown) => void } {
  const events: Seen[] = [];
  let finish!: (err: unknown) => void;
  const ended = new Promise((resolve) => (finish = resolve));
  return {
    events,
    ended,
    callback: (type, object) => events.push({ type, name: object.metadata?.name, rv: object.metadata?.resourceVersion, object }),
    done: (err) => finish(err ?? null),
  };
}

describe('KubeEmulator watch', () => {
  let emu: KubeEmulator;
  afterEach(() => emu.stop());

  it('streams ADDED, MODIFIED and DELETED events, starting with the current state', async () => {
    emu = await KubeEmulator.start();
    const kc = kubeConfigFor(emu);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'before' } } });
    const r = recorder();
    const abort = await new Watch(kc).watch('/api/v1/namespaces/default/configmaps', {}, r.callback, r.done);
    await eventually(() => r.events.some((e) => e.name === 'before'));
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'live' }, data: { a: '1' } } });
    await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'live', body: { metadata: { name: 'live' }, data: { a: '2' } } });
    await core.deleteNamespacedConfigMap({ namespace: 'default', name: 'live' });
    await eventually(() => r.events.filter((e) => e.name === 'live').length === 3);
    expect(r.events.filter((e) => e.name === 'live').map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    const rvs = r.events.filter((e) => e.name === 'live').map((e) => Number(e.rv));
    expect([...rvs].sort((a, b) => a - b)).toEqual(rvs);
    abort.abort();
  });

  it('resumes after a resourceVersion and answers 410 Expired when it is out of the window', async () => {
    emu = await KubeEmulator.start({ watchHistorySize: 5 });
    const kc = kubeConfigFor(emu);
    const core = kc.makeApiClient(CoreV1Api);
    const list = await core.listNamespacedConfigMap({ namespace: 'default' });
    const listRV = list.metadata!.resourceVersion!;
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'missed' } } });
    const resumed = recorder();
    const abort = await new Watch(kc).watch('/api/v1/namespaces/default/configmaps', { resourceVersion: listRV }, resumed.callback, resumed.done);
    await eventually(() => resumed.events.length === 1);
    expect(resumed.events[0]).toMatchObject({ type: 'ADDED', name: 'missed' });
    abort.abort();

    for (let i = 0; i < 6; i++) await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `churn-${i}` } } });
    const expired = recorder();
    await new Watch(kc).watch('/api/v1/namespaces/default/configmaps', { resourceVersion: listRV }, expired.callback, expired.done);
    await expired.ended;
    expect(expired.events).toHaveLength(1);
    expect(expired.events[0].type).toBe('ERROR');
    expect(expired.events[0].object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    expect((expired.events[0].object as { message: string }).message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
  });

  it('sends bookmarks when allowed, and ends at timeoutSeconds', async () => {
    emu = await KubeEmulator.start({ bookmarkIntervalMs: 100 });
    const kc = kubeConfigFor(emu);
    const r = recorder();
    const started = Date.now();
    await new Watch(kc).watch('/api/v1/namespaces/default/pods', { allowWatchBookmarks: true, timeoutSeconds: 1, resourceVersion: '1' }, r.callback, r.done);
    await r.ended;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const bookmarks = r.events.filter((e) => e.type === 'BOOKMARK');
    expect(bookmarks.length).toBeGreaterThanOrEqual(3);
    expect(bookmarks[0].object).toMatchObject({ kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: expect.any(String) } });
  });

  it('reports objects leaving and entering a label selector as DELETED and ADDED', async () => {
    emu = await KubeEmulator.start();
    const kc = kubeConfigFor(emu);
    const core = kc.makeApiClient(CoreV1Api);
    const r = recorder();
    const abort = await new Watch(kc).watch('/api/v1/namespaces/default/configmaps', { labelSelector: 'team=a' }, r.callback, r.done);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'mover', labels: { team: 'a' } } } });
    await emu.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mover', namespace: 'default', labels: { team: 'b' } } });
    await emu.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mover', namespace: 'default', labels: { team: 'a' } } });
    await eventually(() => r.events.length === 3);
    expect(r.events.map((e) => e.type)).toEqual(['ADDED', 'DELETED', 'ADDED']);
    abort.abort();
  });

  it('authorizes a watch once at its start: it keeps streaming after the RoleBinding is deleted', async () => {
    emu = await KubeEmulator.start({ tokenAuthCacheMs: 0 });
    const admin = kubeConfigFor(emu);
    const core = admin.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'watcher' } } });
    await admin.makeApiClient(RbacAuthorizationV1Api).createNamespacedRoleBinding({
      namespace: 'default',
      body: { metadata: { name: 'watcher-view' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'watcher', namespace: 'default' }] },
    });
    const token = await emu.serviceAccountToken('default', 'watcher');
    const r = recorder();
    const abort = await new Watch(kubeConfigFor(emu, { token })).watch('/api/v1/namespaces/default/pods', {}, r.callback, r.done);
    await core.createNamespacedPod({ namespace: 'default', body: pod('one') });
    await eventually(() => r.events.length === 1);
    emu.delete('rbac.authorization.k8s.io/v1', 'RoleBinding', 'watcher-view', 'default');
    await core.createNamespacedPod({ namespace: 'default', body: pod('two') });
    await eventually(() => r.events.length === 2);
    expect(r.events.map((e) => e.name)).toEqual(['one', 'two']);
    const fresh = await raw(emu, 'GET', '/api/v1/namespaces/default/pods?watch=1', { creds: { token } });
    expect(fresh.status).toBe(403);
    abort.abort();
  });

  it('closes open watches when the emulator stops', async () => {
    emu = await KubeEmulator.start();
    const kc = kubeConfigFor(emu);
    const r = recorder();
    await new Watch(kc).watch('/api/v1/pods', {}, r.callback, r.done);
    await eventually(() => emu.accessLog.some((e) => e.verb === 'watch'));
    await emu.stop();
    await expect(r.ended).resolves.toBeDefined();
  });
});
