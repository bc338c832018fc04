import { KubeconfigIssueV1, KubeconfigRevokeV1 } from '@portcullis/contracts';
import { KubeEmulator } from '@portcullis/kube-emulator';
import { DevSecrets, devServiceEnvironment, ensureDevSecrets, setUpDemoCluster } from '@portcullis/local-stack';
import { MessagingConnection, Requester } from '@portcullis/platform/messaging';
import { dropSchema, freePort, NatsServerProcess, ServiceProcess, stackEnvironment, uniqueName, waitFor, workspaceRoot } from '@portcullis/platform/testing';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/*
 * The seed's steps 3-5 across the real services: a kubeconfig issued by the control plane,
 * kubectl through the proxy under a just-in-time ServiceAccount the provisioner creates, and a
 * revocation that every part honours.
 */
const { databaseUrl } = stackEnvironment();
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const describeWithKubectl = hasKubectl ? describe : describe.skip;
if (!hasKubectl) console.warn('kubectl not found: skipping the kubectl-through-Portcullis tests');

interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

describeWithKubectl('kubectl through Portcullis', () => {
  const run = uniqueName('dp');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-dp-'));
  const services: ServiceProcess[] = [];
  let nats: NatsServerProcess;
  let emulator: KubeEmulator;
  let connection: MessagingConnection;
  let secrets: DevSecrets;
  let kubeconfigFile: string;
  let kubeconfigId: string;
  let jitServiceAccount: string;

  function kubectl(args: string[], timeoutMs = 20_000): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const child = spawn('kubectl', ['--kubeconfig', kubeconfigFile, '--cache-dir', path.join(dir, 'cache'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    emulator = await KubeEmulator.start({ seed: path.join(workspaceRoot, 'tools/local-stack/demo-cluster.yaml'), tokenAuthCacheMs: 0 });
    secrets = await ensureDevSecrets(dir);
    const [identityPort, policyPort, proxyPort] = [await freePort(), await freePort(), await freePort()];
    // identity runs for its JWKS (the admin API verifies platform JWTs with it); nobody signs in here.
    const identityUrl = `http://127.0.0.1:${identityPort}`;
    const endpoints = {
      databaseUrl,
      natsUrl: nats.url,
      identityUrl,
      idpIssuer: 'http://127.0.0.1:1',
      idpClientId: 'unused',
      idpClientSecret: 'unused',
      proxyPublicUrl: `https://127.0.0.1:${proxyPort}`,
    };
    const ports: Record<string, number> = { identity: identityPort, policy: policyPort };
    for (const service of ['identity', 'policy', 'kubeconfig-issuer', 'sa-provisioner', 'proxy']) {
      services.push(
        new ServiceProcess(service, {
          ...devServiceEnvironment(service, secrets, endpoints),
          HTTP_PORT: String(ports[service] ?? 0),
          DATABASE_SCHEMA: `${run}_${service.replace(/-/g, '_')}`,
          DATABASE_MIGRATE_ON_START: 'true',
        }),
      );
    }
    for (const service of services) await waitFor(() => service.readyUrl(), `${service.name} to be ready`, 60_000);
    // The proxy is ready once its revocation set has caught up.
    const proxy = services[4];
    await waitFor(async () => (await fetch(`${proxy.readyUrl()}/readyz`)).ok, 'the proxy to be ready', 30_000);

    await setUpDemoCluster({
      policyUrl: `http://127.0.0.1:${policyPort}`,
      identityUrl,
      signingKeysFile: secrets.signingKeysFile,
      cluster: { server: emulator.url, caBundle: emulator.caPem, token: emulator.adminToken },
    });

    // What identity does when a developer clicks "Download kubeconfig".
    connection = await MessagingConnection.open({ url: nats.url, name: 'e2e-data-plane' });
    const issued = await new Requester(connection, 10_000).request(KubeconfigIssueV1, {
      userId: 'bob-e2e',
      email: 'bob@example.com',
      displayName: 'Bob',
      groups: ['developers'],
    });
    kubeconfigId = issued.summary.kubeconfigId;
    kubeconfigFile = path.join(dir, 'bob.kubeconfig');
    fs.writeFileSync(kubeconfigFile, issued.kubeconfig, { mode: 0o600 });
  });

  afterAll(async () => {
    await connection?.close();
    await Promise.all(services.map((service) => service.stop()));
    await emulator?.stop();
    await nats?.stop();
    for (const service of ['identity', 'policy', 'kubeconfig_issuer', 'sa_provisioner', 'proxy']) await dropSchema(databaseUrl, `${run}_${service}`);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists pods in the granted namespace under a just-in-time ServiceAccount', async () => {
    const result = await kubectl(['-n', 'team-a', 'get', 'pods', '-o', 'name']);

    expect(result.stderr).toBe('');
    expect(result.stdout.trim().split('\n').sort()).toEqual(['pod/web-7f9c', 'pod/worker-2b1d']);
    const seen = emulator.accessLog.filter((entry) => entry.resource === 'pods' && entry.namespace === 'team-a');
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((entry) => /^system:serviceaccount:portcullis-system:pc-[0-9a-f]+$/.test(entry.user))).toBe(true);
  });

  it("passes the cluster's own Forbidden back outside the grant", async () => {
    const result = await kubectl(['-n', 'kube-system', 'get', 'pods']);

    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/pods is forbidden: User "system:serviceaccount:portcullis-system:pc-[0-9a-f]+" cannot list resource "pods" in API group "" in the namespace "kube-system"/);
  });

  it('answers `auth whoami` and `auth can-i` for the person', async () => {
    const whoami = await kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']);
    const canCreate = await kubectl(['auth', 'can-i', 'create', 'configmaps', '-n', 'team-a']);
    const canDelete = await kubectl(['auth', 'can-i', 'delete', 'pods', '-n', 'team-payments']);

    expect(whoami.stdout).toMatch(/^system:serviceaccount:portcullis-system:pc-[0-9a-f]+$/);
    jitServiceAccount = whoami.stdout.split(':').pop() ?? '';
    expect(canCreate.stdout.trim()).toBe('yes');
    expect(canDelete.stdout.trim()).toBe('no');
  });

  it('refuses a revoked kubeconfig within a second, and closes its open watch', async () => {
    const watch = spawn('kubectl', ['--kubeconfig', kubeconfigFile, '--cache-dir', path.join(dir, 'cache'), '-n', 'team-a', 'get', 'pods', '-w'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const watchEnded = new Promise<number>((resolve) => watch.on('exit', () => resolve(Date.now())));
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    const revokedAt = Date.now();
    await new Requester(connection, 10_000).request(KubeconfigRevokeV1, { kubeconfigId, ownerUserId: null, revokedBy: 'e2e', reason: 'lost laptop' });

    const ended = await Promise.race([watchEnded, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5_000))]);
    watch.kill('SIGKILL');
    expect(ended).not.toBe(-1);
    expect(ended - revokedAt).toBeLessThan(1_500);
    const refused = await kubectl(['-n', 'team-a', 'get', 'pods']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Unauthorized|must be logged in/);
    // Clean-up, not enforcement: the provisioner deletes the person's ServiceAccount too.
    await waitFor(() => !emulator.get('v1', 'ServiceAccount', jitServiceAccount, 'portcullis-system'), 'the JIT ServiceAccount to be deleted', 10_000);
  });
});
