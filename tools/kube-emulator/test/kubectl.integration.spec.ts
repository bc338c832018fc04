import { KubeEmulator } from '@portcullis/kube-emulator';
import { describeWithKubectl, Kubectl } from './support/kube-test-kit';

// The real kubectl (1.32 here) against the emulator: discovery, get (Table), describe, create,
// apply, delete, explain, auth can-i, create token, auth whoami.

const MANIFEST = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "nginx:1.27", env: [{name: MODE, value: blue}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {colour: blue}
`;

describeWithKubectl('kubectl against the emulator', () => {
  let emu: KubeEmulator;
  let kubectl: Kubectl;
  beforeEach(async () => {
    emu = await KubeEmulator.start();
    kubectl = new Kubectl(emu);
  });
  afterEach(async () => {
    kubectl.cleanup();
    await emu.stop();
  });

  const ok = async (args: string[], input?: string) => {
    const r = await kubectl.run(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };

  it('creates, applies, gets, describes and deletes', async () => {
    expect(await ok(['apply', '-f', '-'], MANIFEST)).toBe('namespace/shop created\ndeployment.apps/web created\nconfigmap/settings created\n');
    expect(await ok(['apply', '-f', '-'], MANIFEST)).toBe('namespace/shop unchanged\ndeployment.apps/web unchanged\nconfigmap/settings unchanged\n');
    const changed = MANIFEST.replace('replicas: 2', 'replicas: 3').replace('value: blue', 'value: green');
    expect(await ok(['apply', '-f', '-'], changed)).toContain('deployment.apps/web configured');
    expect(await ok(['get', 'deploy', 'web', '-n', 'shop', '-o', 'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].env[0].value}'])).toBe('3 green');
    expect(await ok(['get', 'deployments', '-n', 'shop'])).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\nweb\s+3\/3\s+3\s+3\s+\d+s\n$/);

    expect(await ok(['create', 'configmap', 'made', '-n', 'shop', '--from-literal=k=v'])).toBe('configmap/made created\n');
    expect(await ok(['create', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: runner, namespace: shop}\nspec: {containers: [{name: c, image: busybox}]}\n')).toBe('pod/runner created\n');
    expect(await ok(['get', 'pods', '-n', 'shop'])).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nrunner\s+1\/1\s+Running\s+0\s+\d+s\n$/);
    const described = await ok(['describe', 'pod', 'runner', '-n', 'shop']);
    expect(described).toMatch(/^Name:\s+runner$/m);
    expect(described).toMatch(/^Status:\s+Running$/m);
    expect(await ok(['describe', 'deployment', 'web', '-n', 'shop'])).toMatch(/^Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable$/m);
    expect(await ok(['get', 'cm', '-n', 'shop', '-l', 'missing'])).toBe('');
    expect(await ok(['explain', 'configmaps'])).toContain('KIND:       ConfigMap');

    expect(await ok(['delete', '-f', '-'], MANIFEST)).toBe('namespace "shop" deleted\ndeployment.apps "web" deleted\nconfigmap "settings" deleted\n');
    const gone = await kubectl.run(['get', 'ns', 'shop']);
    expect(gone.stderr).toContain('Error from server (NotFound): namespaces "shop" not found');
  });

  it('answers auth can-i, auth whoami and create token, for the admin and a ServiceAccount', async () => {
    expect(await ok(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'])).toBe('admin');
    expect(await ok(['auth', 'can-i', 'delete', 'nodes'])).toBe('yes\n');
    await ok(['create', 'serviceaccount', 'ci', '-n', 'default']);
    await ok(['create', 'rolebinding', 'ci-view', '-n', 'default', '--clusterrole=view', '--serviceaccount=default:ci']);
    const token = (await ok(['create', 'token', 'ci', '-n', 'default', '--duration=20m'])).trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(1200);

    const asCi = new Kubectl(emu, { token });
    try {
      expect((await asCi.run(['auth', 'whoami'])).stdout).toMatch(
        /Username\s+system:serviceaccount:default:ci\n.*Groups\s+\[system:serviceaccounts system:serviceaccounts:default system:authenticated\]/s,
      );
      expect((await asCi.run(['auth', 'can-i', 'list', 'pods', '-n', 'default'])).stdout).toBe('yes\n');
      const denied = await asCi.run(['auth', 'can-i', 'create', 'pods', '-n', 'default']);
      expect([denied.code, denied.stdout]).toEqual([1, 'no\n']);
      const list = await asCi.run(['auth', 'can-i', '--list', '-n', 'default']);
      expect(list.stdout).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
      const forbidden = await asCi.run(['get', 'pods', '-n', 'kube-system']);
      expect(forbidden.stderr).toContain(
        'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:default:ci" cannot list resource "pods" in API group "" in the namespace "kube-system"',
      );
    } finally {
      asCi.cleanup();
    }
  });

  it('uses aggregated discovery', async () => {
    const resources = await ok(['api-resources', '--no-headers']);
    expect(resources).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/m);
    expect(resources).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(emu.accessLog.some((e) => e.path === '/apis/apps/v1')).toBe(false);
    expect(emu.accessLog.filter((e) => e.path === '/api' || e.path === '/apis').length).toBeGreaterThanOrEqual(2);
  });
});
