import { KubeconfigIssueV1, KubeconfigRevokeV1 } from '@portcullis/contracts';
import { KubeEmulator } from '@portcullis/kube-emulator';
import { AgentClusterRegistration, DevSecrets, devServiceEnvironment, ensureDevSecrets, installAgentManifest, proxyTunnelPort, setUpDemoCluster } from '@portcullis/local-stack';
import { MessagingConnection, Requester } from '@portcullis/platform/messaging';
import { dropSchema, freePort, freePortRun, NatsServerProcess, ServiceProcess, stackEnvironment, uniqueName, waitFor, workspaceRoot } from '@portcullis/platform/testing';
import * as x509 from '@peculiar/x509';
import { ENROLL_PATH } from '@portcullis/platform/tunnel';
import { spawn, spawnSync } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import https from 'node:https';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

x509.cryptoProvider.set(webcrypto);

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

for (const mode of ['direct', 'agent'] as const) {
  describeWithKubectl(`kubectl through Portcullis (${mode} mode)`, () => {
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
    // Agent mode: the people's cluster is a second emulator that only its agent can reach;
    // neither the proxy nor the provisioner is given its address.
    let privateEmulator: KubeEmulator | undefined;
    let agent: ServiceProcess | undefined;
    let registration: AgentClusterRegistration | undefined;
    let tunnelPort = 0;
    const cluster = mode === 'agent' ? 'demo-private' : 'demo';
    const target = () => privateEmulator ?? emulator;

    function kubectl(args: string[], timeoutMs = 20_000): Promise<KubectlResult> {
      return new Promise((resolve) => {
        const child = spawn('kubectl', ['--kubeconfig', kubeconfigFile, '--context', cluster, '--cache-dir', path.join(dir, 'cache'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
      const [identityPort, policyPort, proxyPort] = [await freePort(), await freePort(), await freePortRun(3)];
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

      const setUp = await setUpDemoCluster({
        policyUrl: `http://127.0.0.1:${policyPort}`,
        identityUrl,
        signingKeysFile: secrets.signingKeysFile,
        cluster: { server: emulator.url, caBundle: emulator.caPem, token: emulator.adminToken },
        privateCluster: mode === 'agent' ? { name: 'demo-private', displayName: 'Private demo cluster' } : undefined,
      });
      if (mode === 'agent') {
        tunnelPort = proxyTunnelPort(endpoints);
        registration = setUp.privateCluster;
        if (!registration) throw new Error('no agent registration');
        privateEmulator = await KubeEmulator.start({ seed: path.join(workspaceRoot, 'tools/local-stack/demo-cluster.yaml'), tokenAuthCacheMs: 0 });
        const installed = await installAgentManifest({ server: privateEmulator.url, caBundle: privateEmulator.caPem, token: privateEmulator.adminToken }, registration.manifest, path.join(dir, 'agent'));
        agent = new ServiceProcess('cluster-agent', {
          HTTP_PORT: '0',
          AGENT_CLUSTER_NAME: 'demo-private',
          AGENT_TUNNEL_URL: `https://127.0.0.1:${tunnelPort}`,
          AGENT_TUNNEL_CA_FILE: installed.tunnelCaFile ?? '',
          AGENT_BOOTSTRAP_TOKEN_FILE: installed.bootstrapTokenFile,
          AGENT_NAMESPACE: 'portcullis-system',
          KUBECONFIG: installed.kubeconfigFile,
        });
        const agentUrl = await waitFor(() => agent?.readyUrl(), 'the agent to start', 30_000);
        await waitFor(async () => (await fetch(`${agentUrl}/readyz`)).ok, 'the agent tunnel to be up', 30_000);
      }

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
      await agent?.stop();
      await Promise.all(services.map((service) => service.stop()));
      await privateEmulator?.stop();
      await emulator?.stop();
      await nats?.stop();
      for (const service of ['identity', 'policy', 'kubeconfig_issuer', 'sa_provisioner', 'proxy']) await dropSchema(databaseUrl, `${run}_${service}`);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('lists pods in the granted namespace under a just-in-time ServiceAccount', async () => {
      const result = await kubectl(['-n', 'team-a', 'get', 'pods', '-o', 'name']);

      expect(result.stderr).toBe('');
      expect(result.stdout.trim().split('\n').sort()).toEqual(['pod/web-7f9c', 'pod/worker-2b1d']);
      const seen = target().accessLog.filter((entry) => entry.resource === 'pods' && entry.namespace === 'team-a');
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

    (mode === 'agent' ? it : it.skip)('refuses a bootstrap token its agent has already used', async () => {
      const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
      const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: 'CN=demo-private', keys, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } });
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = https.request(
          { host: '127.0.0.1', port: tunnelPort, path: ENROLL_PATH, method: 'POST', ca: fs.readFileSync(secrets.pki.proxyCaCertFile), headers: { 'content-type': 'application/json' } },
          (response) => {
            let body = '';
            response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          },
        );
        request.on('error', reject);
        request.end(JSON.stringify({ cluster: 'demo-private', bootstrapToken: registration?.bootstrapToken, csr: csr.toString('pem'), agentVersion: 'e2e' }));
      });

      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', message: expect.stringMatching(/invalid, expired or already used/) });
    });

    it('refuses a revoked kubeconfig within a second, and closes its open watch', async () => {
      const watch = spawn('kubectl', ['--kubeconfig', kubeconfigFile, '--context', cluster, '--cache-dir', path.join(dir, 'cache'), '-n', 'team-a', 'get', 'pods', '-w'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
      await waitFor(() => !target().get('v1', 'ServiceAccount', jitServiceAccount, 'portcullis-system'), 'the JIT ServiceAccount to be deleted', 10_000);
    });
  });
}
