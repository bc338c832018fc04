import { KubeEmulator } from '@portcullis/kube-emulator';
import { currentEnvironment } from '@portcullis/platform/config';
import { devServiceEnvironment, ensureDevSecrets, installAgentManifest, proxyTunnelPort, setUpDemoCluster } from '@portcullis/local-stack';
import { CHROMIUM_ARGS, chromiumPath, DevIdpProcess, dropSchema, freePort, freePortRun, NatsServerProcess, ServiceProcess, stackEnvironment, uniqueName, waitFor, workspaceRoot } from '@portcullis/platform/testing';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import YAML from 'yaml';

/*
 * The README's walkthrough, as `npm start` sets it up (the dev IdP's real users, the demo grants,
 * `demo` in direct mode and `demo-private` through its agent), driven in Chromium with a
 * screenshot at each step the README shows. The PNGs go to a temporary directory, or to
 * PORTCULLIS_SCREENSHOTS_DIR when set (`npm run screenshots` refreshes docs/images with it).
 * Without Chromium the whole walk is skipped: its story without a browser is already covered by
 * sign-in-to-kubeconfig and kubectl-through-portcullis, and starting the stack for nothing would
 * only cost time.
 */
const { databaseUrl } = stackEnvironment();
const browserBinary = chromiumPath();
const describeWithBrowser = browserBinary ? describe : describe.skip;
if (!browserBinary) console.warn("Chromium not found (npm test installs Debian's chromium as root): skipping the portal walkthrough and its screenshots");

const VIEWPORT = { width: 1200, height: 800 };
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const services = ['identity', 'policy', 'kubeconfig-issuer', 'proxy', 'sa-provisioner', 'audit'];

interface ProxyAnswer {
  status: number;
  body: { message?: string; items?: Array<{ metadata: { name: string } }> };
}

interface AuditRow {
  verb: string;
  responseStatus: number;
}

/** The dev IdP's own user file, pointed at this run's identity (what npm start does too). */
function demoIdpConfig(identityUrl: string): string {
  const config = YAML.parse(fs.readFileSync(path.join(workspaceRoot, 'tools/dev-idp/dev-users.yaml'), 'utf8')) as { clients: Array<Record<string, unknown>> };
  for (const client of config.clients) {
    client['redirect_uris'] = [`${identityUrl}/auth/callback`];
    client['post_logout_redirect_uris'] = [`${identityUrl}/`];
  }
  return YAML.stringify(config);
}

describeWithBrowser('the README walkthrough in a browser, with screenshots', () => {
  const run = uniqueName('walk');
  let dir: string;
  let screenshotsDir: string;
  const processes: ServiceProcess[] = [];
  let nats: NatsServerProcess;
  let idp: DevIdpProcess;
  let demo: KubeEmulator;
  let demoPrivate: KubeEmulator;
  let browser: Browser;
  let bob: Page;
  let alice: Page;
  let identityUrl: string;
  let policyUrl: string;
  let kubeconfig: { ca: string; cert: string; key: string; servers: Record<string, string> };

  /** A viewport screenshot, checked to be a real PNG of the viewport's size. */
  async function shoot(page: Page, name: string): Promise<void> {
    const file = path.join(screenshotsDir, `portal-${name}.png`);
    await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
    const png = fs.readFileSync(file);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    // IHDR, the first chunk, starts with the width and the height.
    expect({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) }).toEqual(VIEWPORT);
    expect(png.length).toBeGreaterThan(10_000);
  }

  async function newPerson(): Promise<Page> {
    // Fixed locale and time zone, so dates in the portal read the same on every machine.
    const context: BrowserContext = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, locale: 'en-US', timezoneId: 'UTC', acceptDownloads: true });
    return context.newPage();
  }

  async function signIn(page: Page, username: string, password: string, screenshot?: string): Promise<void> {
    await page.goto(identityUrl);
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    if (screenshot) await shoot(page, screenshot);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Your clusters' }).waitFor();
  }

  /** A GET through the proxy with bob's downloaded kubeconfig, as kubectl sends it. */
  function asBob(cluster: string, apiPath: string): Promise<ProxyAnswer> {
    return new Promise((resolve, reject) => {
      const request = https.request(`${kubeconfig.servers[cluster]}${apiPath}`, { ca: kubeconfig.ca, cert: kubeconfig.cert, key: kubeconfig.key, agent: false }, (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as ProxyAnswer['body'] }));
      });
      request.on('error', reject);
      request.end();
    });
  }

  async function adminApi<T>(token: string, query: string, variables: Record<string, unknown>): Promise<T> {
    const response = await fetch(`${policyUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const answer = (await response.json()) as { data?: T; errors?: unknown[] };
    if (answer.errors?.length || !answer.data) throw new Error(JSON.stringify(answer.errors));
    return answer.data;
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-walk-'));
    screenshotsDir = currentEnvironment()['PORTCULLIS_SCREENSHOTS_DIR'] || path.join(dir, 'screenshots');
    fs.mkdirSync(screenshotsDir, { recursive: true });
    const demoSeed = path.join(workspaceRoot, 'tools/local-stack/demo-cluster.yaml');
    const [identityPort, policyPort, idpPort, proxyPort] = [await freePort(), await freePort(), await freePort(), await freePortRun(3)];
    identityUrl = `http://127.0.0.1:${identityPort}`;
    policyUrl = `http://127.0.0.1:${policyPort}`;
    // Everything that does not depend on anything else starts at once (identity fetches the
    // IdP's discovery document at the first sign-in, not at start).
    let secrets;
    [nats, demo, demoPrivate, secrets, idp, browser] = await Promise.all([
      NatsServerProcess.start(),
      KubeEmulator.start({ seed: demoSeed }),
      KubeEmulator.start({ seed: demoSeed }),
      ensureDevSecrets(path.join(dir, 'secrets')),
      DevIdpProcess.start(demoIdpConfig(identityUrl), idpPort),
      chromium.launch({
        executablePath: browserBinary ?? undefined,
        args: CHROMIUM_ARGS,
      }),
    ]);
    const endpoints = {
      databaseUrl,
      natsUrl: nats.url,
      identityUrl,
      idpIssuer: idp.issuer,
      idpClientId: 'portcullis',
      idpClientSecret: 'portcullis-dev-secret',
      proxyPublicUrl: `https://127.0.0.1:${proxyPort}`,
    };
    const ports: Record<string, number> = { identity: identityPort, policy: policyPort };
    for (const service of services) {
      processes.push(
        new ServiceProcess(service, {
          ...devServiceEnvironment(service, secrets, endpoints),
          HTTP_PORT: String(ports[service] ?? 0),
          DATABASE_SCHEMA: `${run}_${service.replace(/-/g, '_')}`,
          DATABASE_MIGRATE_ON_START: 'true',
        }),
      );
    }
    const ready = processes.map((service) => waitFor(() => service.readyUrl(), `${service.name} to be ready`, 90_000));
    const [identityReady, policyReady, proxyReady] = ['identity', 'policy', 'proxy'].map((name) => ready[services.indexOf(name)]);

    // The demo's clusters and grants, and demo-private's agent, need only identity (its keys),
    // policy and the proxy (the tunnel): they come up while the other services still start.
    const agentConnected = (async () => {
      await Promise.all([identityReady, policyReady]);
      const { privateCluster } = await setUpDemoCluster({
        policyUrl,
        identityUrl,
        signingKeysFile: secrets.signingKeysFile,
        cluster: { server: demo.url, caBundle: demo.caPem, token: demo.adminToken },
        privateCluster: { name: 'demo-private', displayName: 'Private demo cluster (agent mode)' },
      });
      if (!privateCluster) throw new Error('no agent registration for demo-private');
      const installed = await installAgentManifest({ server: demoPrivate.url, caBundle: demoPrivate.caPem, token: demoPrivate.adminToken }, privateCluster.manifest, path.join(dir, 'agent'));
      // The proxy answers only once its revocation set has caught up.
      const proxyUrl = await proxyReady;
      await waitFor(async () => (await fetch(`${proxyUrl}/readyz`)).ok, 'the proxy to be ready', 30_000);
      const agent = new ServiceProcess('cluster-agent', {
        HTTP_PORT: '0',
        AGENT_CLUSTER_NAME: 'demo-private',
        AGENT_TUNNEL_URL: `https://127.0.0.1:${proxyTunnelPort(endpoints)}`,
        AGENT_TUNNEL_CA_FILE: installed.tunnelCaFile ?? '',
        AGENT_BOOTSTRAP_TOKEN_FILE: installed.bootstrapTokenFile,
        AGENT_NAMESPACE: 'portcullis-system',
        KUBECONFIG: installed.kubeconfigFile,
      });
      processes.push(agent);
      const agentUrl = await waitFor(() => agent.readyUrl(), 'the agent to start', 30_000);
      await waitFor(async () => (await fetch(`${agentUrl}/readyz`)).ok, 'the agent tunnel to be up', 30_000);
    })();
    await Promise.all([...ready, agentConnected]);

    [bob, alice] = await Promise.all([newPerson(), newPerson()]);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(processes.map((service) => service.stop()));
    await idp?.stop();
    await demo?.stop();
    await demoPrivate?.stop();
    await nats?.stop();
    for (const service of services) await dropSchema(databaseUrl, `${run}_${service.replace(/-/g, '_')}`);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("shows the portal to a visitor and sends them to the company IdP's sign-in page", async () => {
    await bob.goto(identityUrl);
    await bob.getByRole('heading', { name: 'Kubernetes access, through your company sign-in' }).waitFor();
    await shoot(bob, 'welcome');
    expect(await bob.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(false);

    await signIn(bob, 'bob', 'bob-password', 'idp-sign-in');

    expect(bob.url()).toBe(`${identityUrl}/`);
  });

  it('shows bob his clusters, roles and namespaces, and downloads his kubeconfig', async () => {
    const rows = bob.locator('#clusters tbody tr');
    await rows.nth(3).waitFor();
    const file = path.join(dir, 'portcullis-kubeconfig.yaml');

    const [download] = await Promise.all([bob.waitForEvent('download'), bob.getByRole('button', { name: 'Download kubeconfig' }).click()]);
    await download.saveAs(file);
    // A command that works for bob as it is: his grants name namespaces, so the context has none.
    await bob.getByText('Use it with: kubectl --kubeconfig portcullis-kubeconfig.yaml --context demo -n team-a get pods').waitFor();
    await bob.locator('#kubeconfigs tbody tr').first().waitFor();
    await shoot(bob, 'bob');

    expect((await rows.allInnerTexts()).map((row) => row.split('\t'))).toEqual([
      ['Demo cluster (emulator) (context demo)', 'edit', 'team-a', 'direct'],
      ['Demo cluster (emulator) (context demo)', 'view', 'team-payments', 'direct'],
      ['Private demo cluster (agent mode) (context demo-private)', 'edit', 'team-a', 'agent · connected'],
      ['Private demo cluster (agent mode) (context demo-private)', 'view', 'team-payments', 'agent · connected'],
    ]);
    const config = YAML.parse(fs.readFileSync(file, 'utf8')) as {
      clusters: Array<{ name: string; cluster: { server: string; 'certificate-authority-data': string } }>;
      users: Array<{ user: { 'client-certificate-data': string; 'client-key-data': string } }>;
    };
    const decode = (data: string) => Buffer.from(data, 'base64').toString();
    kubeconfig = {
      ca: decode(config.clusters[0].cluster['certificate-authority-data']),
      cert: decode(config.users[0].user['client-certificate-data']),
      key: decode(config.users[0].user['client-key-data']),
      servers: Object.fromEntries(config.clusters.map((cluster) => [cluster.name, cluster.cluster.server])),
    };
    expect(Object.keys(kubeconfig.servers)).toEqual(['demo', 'demo-private']);
  });

  it("forwards bob's requests under his JIT ServiceAccount, and passes the cluster's Forbidden back", async () => {
    const direct = await asBob('demo', '/api/v1/namespaces/team-a/pods');
    const throughAgent = await asBob('demo-private', '/api/v1/namespaces/team-a/pods');
    const forbidden = await asBob('demo', '/api/v1/namespaces/kube-system/pods');

    expect(direct.body.items?.map((pod) => pod.metadata.name).sort()).toEqual(['web-7f9c', 'worker-2b1d']);
    expect(throughAgent.status).toBe(200);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.message).toMatch(/^pods is forbidden: User "system:serviceaccount:portcullis-system:pc-[0-9a-f]{16}" cannot list resource "pods" in API group "" in the namespace "kube-system"$/);
  });

  it("lets alice revoke bob through the admin API with the portal's token, and see it all in the portal's audit list", async () => {
    await signIn(alice, 'alice', 'alice-password');
    const { token } = (await (await alice.request.get(`${identityUrl}/api/token`)).json()) as { token: string };
    const { users } = await adminApi<{ users: Array<{ id: string }> }>(token, 'query($search: String) { users(search: $search) { id } }', { search: 'bob' });

    const { revokeUser } = await adminApi<{ revokeUser: Array<{ revokedAt: string | null }> }>(token, 'mutation($id: ID!) { revokeUser(userId: $id, reason: "README walkthrough") { revokedAt } }', {
      id: users[0].id,
    });
    const refused = await waitFor(async () => {
      const answer = await asBob('demo', '/api/v1/namespaces/team-a/pods');
      return answer.status === 401 ? answer : undefined;
    }, "the proxies to refuse bob's revoked kubeconfig", 10_000);

    expect(revokeUser).toEqual([{ revokedAt: expect.any(String) }]);
    expect(refused.body.message).toBe('Unauthorized: the kubeconfig credential was revoked; download a new kubeconfig');
    await waitFor(async () => {
      const { events } = (await (await alice.request.get(`${identityUrl}/api/audit/recent`)).json()) as { events: AuditRow[] };
      return events.some((event) => event.verb === 'revokeUser') && events.some((event) => event.responseStatus === 401) ? events : undefined;
    }, 'the audit list to show the revocation and the refused request', 15_000);
    await alice.reload();
    await alice.locator('#audit tbody tr').first().waitFor();
    // The list sits below the clusters: the screenshot starts just above its heading.
    await alice.getByRole('heading', { name: 'Recent audit events' }).evaluate((heading) => {
      heading.style.scrollMarginTop = '24px';
      heading.scrollIntoView();
    });
    await shoot(alice, 'alice-audit');
  });

  it('shows bob his kubeconfig as revoked', async () => {
    await bob.reload();
    const state = bob.locator('#kubeconfigs tbody tr td').nth(3);
    await state.filter({ hasText: /^revoked / }).waitFor();

    await shoot(bob, 'bob-revoked');

    expect(await bob.getByRole('button', { name: /^Revoke the kubeconfig/ }).count()).toBe(0);
  });
});
