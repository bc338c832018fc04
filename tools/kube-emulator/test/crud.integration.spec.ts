import { ApiException, AppsV1Api, CoreV1Api, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { KubeEmulator } from '@portcullis/kube-emulator';
import { eventually, kubeConfigFor, pod, raw } from './support/kube-test-kit';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

// CRUD through @kubernetes/client-node for every stored resource, plus the generic registry
// semantics: generateName, optimistic concurrency, patches, selectors, pagination, Table, errors.

describe('KubeEmulator CRUD', () => {
  let emu: KubeEmulator;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let rbac: RbacAuthorizationV1Api;

  beforeEach(async () => {
    emu = await KubeEmulator.start();
    const kc = kubeConfigFor(emu);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  });
  afterEach(() => emu.stop());

  async function statusOf(call: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
    try {
      await call;
    } catch (e) {
      if (e instanceof ApiException) return { code: e.code, body: JSON.parse(e.body as string) };
      throw e;
    }
    throw new Error('expected the call to fail');
  }

  it('creates, reads, lists, updates, patches and deletes every namespaced kind', async () => {
    const ns = 'crud';
    await core.createNamespace({ body: { metadata: { name: ns } } });
    const kinds: Array<{ create: () => Promise<unknown>; read: () => Promise<{ metadata?: { resourceVersion?: string; labels?: Record<string, string> } }>; list: () => Promise<{ items: unknown[] }>; replace: (o: never) => Promise<unknown>; patch: () => Promise<unknown>; remove: () => Promise<unknown> }> = [
      {
        create: () => core.createNamespacedPod({ namespace: ns, body: pod('p1', ns) }),
        read: () => core.readNamespacedPod({ namespace: ns, name: 'p1' }),
        list: () => core.listNamespacedPod({ namespace: ns }),
        replace: (o) => core.replaceNamespacedPod({ namespace: ns, name: 'p1', body: o }),
        patch: () => core.patchNamespacedPod({ namespace: ns, name: 'p1', body: { metadata: { labels: { patched: 'yes' } } } }, MERGE),
        remove: () => core.deleteNamespacedPod({ namespace: ns, name: 'p1' }),
      },
      {
        create: () => core.createNamespacedService({ namespace: ns, body: { metadata: { name: 's1' }, spec: { ports: [{ port: 80 }] } } }),
        read: () => core.readNamespacedService({ namespace: ns, name: 's1' }),
        list: () => core.listNamespacedService({ namespace: ns }),
        replace: (o) => core.replaceNamespacedService({ namespace: ns, name: 's1', body: o }),
        patch: () => core.patchNamespacedService({ namespace: ns, name: 's1', body: { metadata: { labels: { patched: 'yes' } } } }, MERGE),
        remove: () => core.deleteNamespacedService({ namespace: ns, name: 's1' }),
      },
      {
        create: () => core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'c1' }, data: { a: '1' } } }),
        read: () => core.readNamespacedConfigMap({ namespace: ns, name: 'c1' }),
        list: () => core.listNamespacedConfigMap({ namespace: ns }),
        replace: (o) => core.replaceNamespacedConfigMap({ namespace: ns, name: 'c1', body: o }),
        patch: () => core.patchNamespacedConfigMap({ namespace: ns, name: 'c1', body: { metadata: { labels: { patched: 'yes' } } } }, MERGE),
        remove: () => core.deleteNamespacedConfigMap({ namespace: ns, name: 'c1' }),
      },
      {
        create: () => core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'x1' }, stringData: { k: 'v' } } }),
        read: () => core.readNamespacedSecret({ namespace: ns, name: 'x1' }),
        list: () => core.listNamespacedSecret({ namespace: ns }),
        replace: (o) => core.replaceNamespacedSecret({ namespace: ns, name: 'x1', body: o }),
        patch: () => core.patchNamespacedSecret({ namespace: ns, name: 'x1', body: { metadata: { labels: { patched: 'yes' } } } }, MERGE),
        remove: () => core.deleteNamespacedSecret({ namespace: ns, name: 'x1' }),
      },
      {
        create: () => core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'sa1' } } }),
        read: () => core.readNamespacedServiceAccount({ namespace: ns, name: 'sa1' }),
        list: () => core.listNamespacedServiceAccount({ namespace: ns }),
        replace: (o) => core.replaceNamespacedServiceAccount({ namespace: ns, name: 'sa1', body: o }),
        patch: () => core.patchNamespacedServiceAccount({ namespace: ns, name: 'sa1', body: { metadata: { labels: { patched: 'yes' } } } }, MERGE),
        remove: () => core.deleteNamespacedServiceAccount({ namespace: ns, name: 'sa1' }),
      },
      {
        create: () => core.createNamespacedEvent({ namespace: ns, body: { metadata: { name: 'e1' }, involvedObject: { kind: 'Pod', name: 'p1', namespace: ns }, reason: 'Tested', message: 'hello' } }),
        read: () => core.readNamespacedEvent({ namespace: ns, name: 'e1' }),
        list: () => core.listNamespacedEvent({ namespace: ns }),
        replace: (o) => core.replaceNamespacedEvent({ namespace: ns, name: 'e1', body: o }),
        patch: () => core.patchNamespacedEvent({ namespace: ns, name: 'e1', body: { metadata: { labels: { patched: 'yes' } } } }, MERGE),
        remove: () => core.deleteNamespacedEvent({ namespace: ns, name: 'e1' }),
      },
      {
        create: () =>
          apps.createNamespacedDeployment({
            namespace: ns,
            body: { metadata: { name: 'd1' }, spec: { selector: { matchLabels: { app: 'd1' } }, template: { metadata: { labels: { app: 'd1' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } },
          }),
        read: () => apps.readNamespacedDeployment({ namespace: ns, name: 'd1' }),
        list: () => apps.listNamespacedDeployment({ namespace: ns }),
        replace: (o) => apps.replaceNamespacedDeployment({ namespace: ns, name: 'd1', body: o }),
        patch: () => apps.patchNamespacedDeployment({ namespace: ns, name: 'd1', body: { metadata: { labels: { patched: 'yes' } } } }, MERGE),
        remove: () => apps.deleteNamespacedDeployment({ namespace: ns, name: 'd1' }),
      },
      {
        create: () => rbac.createNamespacedRole({ namespace: ns, body: { metadata: { name: 'r1' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] } }),
        read: () => rbac.readNamespacedRole({ namespace: ns, name: 'r1' }),
        list: () => rbac.listNamespacedRole({ namespace: ns }),
        replace: (o) => rbac.replaceNamespacedRole({ namespace: ns, name: 'r1', body: o }),
        patch: () => rbac.patchNamespacedRole({ namespace: ns, name: 'r1', body: { metadata: { labels: { patched: 'yes' } } } }, MERGE),
        remove: () => rbac.deleteNamespacedRole({ namespace: ns, name: 'r1' }),
      },
      {
        create: () => rbac.createNamespacedRoleBinding({ namespace: ns, body: { metadata: { name: 'rb1' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', name: 'u' }] } }),
        read: () => rbac.readNamespacedRoleBinding({ namespace: ns, name: 'rb1' }),
        list: () => rbac.listNamespacedRoleBinding({ namespace: ns }),
        replace: (o) => rbac.replaceNamespacedRoleBinding({ namespace: ns, name: 'rb1', body: o }),
        patch: () => rbac.patchNamespacedRoleBinding({ namespace: ns, name: 'rb1', body: { metadata: { labels: { patched: 'yes' } } } }, MERGE),
        remove: () => rbac.deleteNamespacedRoleBinding({ namespace: ns, name: 'rb1' }),
      },
    ];
    for (const k of kinds) {
      await k.create();
      const read = await k.read();
      const rv = Number(read.metadata!.resourceVersion);
      expect((await k.list()).items.length).toBeGreaterThanOrEqual(1);
      const replaced = (await k.replace({ ...read, metadata: { ...read.metadata, labels: { replaced: 'yes' } } } as never)) as typeof read;
      expect(Number(replaced.metadata!.resourceVersion)).toBeGreaterThan(rv);
      await k.patch();
      expect((await k.read()).metadata!.labels).toEqual({ replaced: 'yes', patched: 'yes' });
      await k.remove();
      expect((await statusOf(k.read())).code).toBe(404);
    }
  });

  it('creates, reads and deletes cluster-scoped kinds', async () => {
    await rbac.createClusterRole({ body: { metadata: { name: 'cr1' }, rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }] } });
    await rbac.createClusterRoleBinding({ body: { metadata: { name: 'crb1' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cr1' }, subjects: [{ kind: 'Group', name: 'g' }] } });
    expect((await rbac.readClusterRoleBinding({ name: 'crb1' })).subjects![0].apiGroup).toBe('rbac.authorization.k8s.io');
    expect((await rbac.listClusterRole()).items.map((r) => r.metadata!.name)).toEqual(expect.arrayContaining(['cluster-admin', 'admin', 'edit', 'view', 'cr1']));
    await rbac.deleteClusterRoleBinding({ name: 'crb1' });
    await rbac.deleteClusterRole({ name: 'cr1' });
    expect((await statusOf(rbac.readClusterRole({ name: 'cr1' }))).code).toBe(404);
  });

  it('aggregates admin, edit and view from the system:aggregate-to-* roles and labelled custom roles', async () => {
    const view = await rbac.readClusterRole({ name: 'view' });
    expect(view.rules).toEqual(expect.arrayContaining([expect.objectContaining({ resources: expect.arrayContaining(['pods/log']), verbs: ['get', 'list', 'watch'] })]));
    await rbac.createClusterRole({
      body: { metadata: { name: 'widgets-view', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }, rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] }] },
    });
    for (const name of ['view', 'edit', 'admin']) {
      expect((await rbac.readClusterRole({ name })).rules).toContainEqual(expect.objectContaining({ apiGroups: ['example.com'], resources: ['widgets'] }));
    }
  });

  it('sets server fields: uid, creationTimestamp, global resourceVersion, pod status, service IP, namespace defaults', async () => {
    const created = await core.createNamespacedPod({ namespace: 'default', body: pod('web') });
    expect(created.metadata!.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata!.creationTimestamp).toBeInstanceOf(Date);
    expect(created.status!.phase).toBe('Running');
    expect(created.status!.containerStatuses![0]).toMatchObject({ name: 'main', ready: true, started: true });
    const svc = await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } } });
    expect(Number(svc.metadata!.resourceVersion)).toBeGreaterThan(Number(created.metadata!.resourceVersion));
    expect(svc.spec!.clusterIP).toMatch(/^10\.96\./);
    expect(svc.spec!.ports![0]).toMatchObject({ protocol: 'TCP', targetPort: 80 });
    await core.createNamespace({ body: { metadata: { name: 'fresh' } } });
    const ns = await core.readNamespace({ name: 'fresh' });
    expect(ns.status!.phase).toBe('Active');
    expect(ns.metadata!.labels).toEqual({ 'kubernetes.io/metadata.name': 'fresh' });
    await core.readNamespacedServiceAccount({ namespace: 'fresh', name: 'default' });
    expect((await core.readNamespacedConfigMap({ namespace: 'fresh', name: 'kube-root-ca.crt' })).data!['ca.crt']).toBe(emu.caPem);
    const secret = await core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 's' }, stringData: { password: 'hunter2' } } });
    expect(secret.type).toBe('Opaque');
    expect(secret.data).toEqual({ password: Buffer.from('hunter2').toString('base64') });
    expect(secret.stringData).toBeUndefined();
  });

  it('generates names from generateName', async () => {
    const a = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'job-' } } });
    const b = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'job-' } } });
    expect(a.metadata!.name).toMatch(/^job-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(a.metadata!.name).not.toBe(b.metadata!.name);
  });

  it('answers 409 Conflict for a stale resourceVersion and keeps the resourceVersion on a no-op update', async () => {
    const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cfg' }, data: { a: '1' } } });
    const first = await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'cfg', body: { ...cm, data: { a: '2' } } });
    const conflict = await statusOf(core.replaceNamespacedConfigMap({ namespace: 'default', name: 'cfg', body: { ...cm, data: { a: '3' } } }));
    expect(conflict).toMatchObject({
      code: 409,
      body: { reason: 'Conflict', message: 'Operation cannot be fulfilled on configmaps "cfg": the object has been modified; please apply your changes to the latest version and try again' },
    });
    const again = await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'cfg', body: first });
    expect(again.metadata!.resourceVersion).toBe(first.metadata!.resourceVersion);
    const unconditional = await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'cfg', body: { metadata: { name: 'cfg' }, data: { a: '4' } } });
    expect(unconditional.data).toEqual({ a: '4' });
  });

  it('answers errors as Kubernetes Status bodies', async () => {
    expect(await statusOf(core.readNamespacedPod({ namespace: 'default', name: 'nope' }))).toMatchObject({
      code: 404,
      body: { kind: 'Status', status: 'Failure', reason: 'NotFound', message: 'pods "nope" not found', details: { name: 'nope', kind: 'pods' } },
    });
    expect((await statusOf(apps.readNamespacedDeployment({ namespace: 'default', name: 'nope' }))).body.message).toBe('deployments.apps "nope" not found');
    await core.createNamespacedPod({ namespace: 'default', body: pod('dup') });
    expect(await statusOf(core.createNamespacedPod({ namespace: 'default', body: pod('dup') }))).toMatchObject({ code: 409, body: { reason: 'AlreadyExists', message: 'pods "dup" already exists' } });
    const invalid = await statusOf(core.createNamespacedPod({ namespace: 'default', body: pod('Bad_Name') }));
    expect(invalid.code).toBe(422);
    expect(invalid.body.reason).toBe('Invalid');
    expect(invalid.body.message).toMatch(/^Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    expect((await statusOf(core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'empty' }, spec: { containers: [] } } }))).body.message).toBe(
      'Pod "empty" is invalid: spec.containers: Required value',
    );
    expect(await statusOf(core.createNamespacedPod({ namespace: 'missing', body: pod('x', 'missing') }))).toMatchObject({ code: 404, body: { message: 'namespaces "missing" not found' } });
    expect(await statusOf(core.deleteNamespace({ name: 'default' }))).toMatchObject({ code: 403, body: { reason: 'Forbidden' } });
    const badMethod = await raw(emu, 'PUT', '/api/v1/namespaces/default/pods', { creds: { token: emu.adminToken }, body: {} });
    expect(badMethod.status).toBe(405);
    expect(badMethod.json()).toMatchObject({ reason: 'MethodNotAllowed' });
    const badRequest = await raw(emu, 'POST', '/api/v1/namespaces/default/configmaps', { creds: { token: emu.adminToken }, body: '{not json' });
    expect(badRequest.status).toBe(400);
    expect(badRequest.json()).toMatchObject({ reason: 'BadRequest' });
    const unknown = await raw(emu, 'GET', '/api/v1/widgets', { creds: { token: emu.adminToken } });
    expect(unknown.status).toBe(404);
  });

  it('applies merge, strategic merge and JSON patches', async () => {
    const body: V1Pod = pod('patchme');
    body.spec!.containers.push({ name: 'side', image: 'busybox:1.36' });
    await core.createNamespacedPod({ namespace: 'default', body });
    const strategic = await core.patchNamespacedPod(
      { namespace: 'default', name: 'patchme', body: { spec: { containers: [{ name: 'side', image: 'busybox:1.37' }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(strategic.spec!.containers.map((c) => `${c.name}=${c.image}`)).toEqual(['main=busybox:1.36', 'side=busybox:1.37']);
    expect(strategic.status!.containerStatuses![1].image).toBe('busybox:1.37');
    const template = { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx', env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 80 }] }] } };
    await apps.createNamespacedDeployment({ namespace: 'default', body: { metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'd' } }, template } } });
    const merged = await apps.patchNamespacedDeployment(
      {
        namespace: 'default',
        name: 'd',
        body: { spec: { template: { spec: { containers: [{ name: 'c', env: [{ name: 'B', value: '2' }], ports: [{ containerPort: 443 }] }, { name: 'sidecar', image: 'envoy' }] } } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const containers = merged.spec!.template.spec!.containers;
    expect(containers.map((c) => c.name)).toEqual(['c', 'sidecar']);
    expect(containers[0].env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
    expect(containers[0].ports!.map((p) => p.containerPort)).toEqual([80, 443]);
    const removed = await apps.patchNamespacedDeployment(
      { namespace: 'default', name: 'd', body: { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(removed.spec!.template.spec!.containers.map((c) => c.name)).toEqual(['c']);
    const merge = await core.patchNamespacedPod(
      { namespace: 'default', name: 'patchme', body: { metadata: { labels: { app: null, tier: 'web' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merge.metadata!.labels).toEqual({ tier: 'web' });
    const json = await core.patchNamespacedPod(
      { namespace: 'default', name: 'patchme', body: [{ op: 'add', path: '/metadata/annotations', value: { a: 'b' } }, { op: 'test', path: '/metadata/labels/tier', value: 'web' }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    expect(json.metadata!.annotations).toEqual({ a: 'b' });
    const failedTest = await statusOf(
      core.patchNamespacedPod({ namespace: 'default', name: 'patchme', body: [{ op: 'test', path: '/metadata/labels/tier', value: 'db' }] }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch)),
    );
    expect(failedTest.code).toBe(422);
    const forbiddenChange = await statusOf(
      core.patchNamespacedPod({ namespace: 'default', name: 'patchme', body: { spec: { restartPolicy: 'Never' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
    );
    expect(forbiddenChange.code).toBe(422);
    expect(forbiddenChange.body.message).toContain('spec: Forbidden: pod updates may not change fields other than');
  });

  it('selects by label (=, ==, !=, in, notin, exists, !exists) and by field', async () => {
    const labelled = { a: { env: 'prod', tier: 'web' }, b: { env: 'dev', tier: 'web' }, c: { env: 'prod' }, d: {} as Record<string, string> };
    for (const [name, labels] of Object.entries(labelled)) {
      await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name, labels } } });
    }
    const names = async (labelSelector?: string, fieldSelector?: string) =>
      (await core.listNamespacedConfigMap({ namespace: 'default', labelSelector, fieldSelector })).items.map((i) => i.metadata!.name).filter((n) => n !== 'kube-root-ca.crt');
    expect(await names('env=prod')).toEqual(['a', 'c']);
    expect(await names('env==prod,tier=web')).toEqual(['a']);
    expect(await names('env!=prod')).toEqual(['b', 'd']);
    expect(await names('env in (dev, prod)')).toEqual(['a', 'b', 'c']);
    expect(await names('env notin (prod)')).toEqual(['b', 'd']);
    expect(await names('tier')).toEqual(['a', 'b']);
    expect(await names('!tier')).toEqual(['c', 'd']);
    expect(await names(undefined, 'metadata.name=b')).toEqual(['b']);
    expect(await names(undefined, 'metadata.name!=b,metadata.namespace=default')).toEqual(['a', 'c', 'd']);
    expect((await statusOf(core.listNamespacedConfigMap({ namespace: 'default', fieldSelector: 'data.x=1' }))).body).toMatchObject({ reason: 'BadRequest', message: 'field label not supported: data.x' });
    await core.createNamespacedPod({ namespace: 'default', body: pod('runner') });
    expect((await core.listPodForAllNamespaces({ fieldSelector: 'status.phase=Running,spec.nodeName=emulator-node' })).items).toHaveLength(1);
  });

  it('paginates with limit and continue in key order', async () => {
    for (let i = 0; i < 7; i++) await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `page-${i}` } } });
    const seen: string[] = [];
    let token: string | undefined;
    let listRV: string | undefined;
    do {
      const page = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: '', limit: 3, _continue: token });
      seen.push(...page.items.map((i) => i.metadata!.name!));
      listRV ??= page.metadata!.resourceVersion;
      expect(page.metadata!.resourceVersion).toBe(listRV);
      if (page.metadata!._continue) expect(page.metadata!.remainingItemCount).toBeGreaterThan(0);
      token = page.metadata!._continue;
    } while (token);
    expect(seen).toEqual(['kube-root-ca.crt', ...[0, 1, 2, 3, 4, 5, 6].map((i) => `page-${i}`)].sort());
    expect((await raw(emu, 'GET', '/api/v1/namespaces/default/configmaps?limit=2&continue=garbage', { creds: { token: emu.adminToken } })).status).toBe(400);
  });

  it('deletes collections by selector', async () => {
    for (const name of ['x1', 'x2', 'y1']) await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name, labels: { group: name[0] } } } });
    await core.deleteCollectionNamespacedConfigMap({ namespace: 'default', labelSelector: 'group=x' });
    expect((await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'group' })).items.map((i) => i.metadata!.name)).toEqual(['y1']);
  });

  it('serves the Table form for kubectl get, and JSON when protobuf is preferred', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: pod('tabled') });
    const table = await raw(emu, 'GET', '/api/v1/namespaces/default/pods', {
      creds: { token: emu.adminToken },
      headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json' },
    });
    expect(table.headers['content-type']).toBe('application/json;as=Table;v=v1;g=meta.k8s.io');
    const body = table.json<{ kind: string; columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[]; object: { kind: string } }> }>();
    expect(body.kind).toBe('Table');
    expect(body.columnDefinitions.map((c) => c.name).slice(0, 5)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    expect(body.rows[0].cells.slice(0, 4)).toEqual(['tabled', '1/1', 'Running', '0']);
    expect(body.rows[0].object.kind).toBe('PartialObjectMetadata');
    const proto = await raw(emu, 'GET', '/api/v1/namespaces/default/pods/tabled', { creds: { token: emu.adminToken }, headers: { accept: 'application/vnd.kubernetes.protobuf,application/json' } });
    expect(proto.headers['content-type']).toBe('application/json');
    expect(proto.json()).toMatchObject({ kind: 'Pod', apiVersion: 'v1' });
    const only = await raw(emu, 'GET', '/api/v1/namespaces/default/pods/tabled', { creds: { token: emu.adminToken }, headers: { accept: 'application/vnd.kubernetes.protobuf' } });
    expect(only.status).toBe(406);
  });

  it('terminates a namespace and then removes it with its content', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'c' } } });
    await core.deleteNamespace({ name: 'doomed' });
    expect((await core.readNamespace({ name: 'doomed' })).status!.phase).toBe('Terminating');
    expect(await statusOf(core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'late' } } }))).toMatchObject({
      code: 403,
      body: { message: 'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated' },
    });
    await eventually(() => !emu.get('v1', 'Namespace', 'doomed'));
    expect(emu.get('v1', 'ConfigMap', 'c', 'doomed')).toBeUndefined();
  });

  it('scales deployments through the scale subresource and bumps generation on spec changes', async () => {
    const created = await apps.createNamespacedDeployment({
      namespace: 'default',
      body: { metadata: { name: 'api' }, spec: { replicas: 1, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } },
    });
    expect(created.metadata!.generation).toBe(1);
    const scale = await apps.replaceNamespacedDeploymentScale({ namespace: 'default', name: 'api', body: { metadata: { name: 'api' }, spec: { replicas: 4 } } });
    expect(scale.spec!.replicas).toBe(4);
    const after = await apps.readNamespacedDeployment({ namespace: 'default', name: 'api' });
    expect(after.metadata!.generation).toBe(2);
    expect(after.status).toMatchObject({ replicas: 4, readyReplicas: 4, observedGeneration: 2 });
    const mismatch = await statusOf(
      apps.createNamespacedDeployment({
        namespace: 'default',
        body: { metadata: { name: 'bad' }, spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'y' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } },
      }),
    );
    expect(mismatch.body.message).toContain('`selector` does not match template `labels`');
  });

  it('supports dry run without storing anything', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', dryRun: 'All', body: { metadata: { name: 'ghost' } } });
    expect(emu.get('v1', 'ConfigMap', 'ghost')).toBeUndefined();
  });
});
