import { KubeConfig } from '@kubernetes/client-node';
import { KubeEmulator } from '@portcullis/kube-emulator';
import { DevSecrets, devServiceEnvironment, ensureDevSecrets } from '@portcullis/local-stack';
import {
  BrowserClient,
  CHROMIUM_ARGS,
  chromiumPath,
  DevIdpProcess,
  dropSchema,
  freePort,
  freePortRun,
  NatsServerProcess,
  ServiceProcess,
  stackEnvironment,
  uniqueName,
  waitFor,
} from '@portcullis/platform/testing';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

/*
 * The seed's steps 1-2 across the real services: an admin registers clusters and grants access
 * through the admin API; a developer signs in through the IdP (in a real browser) and downloads
 * one kubeconfig that reflects exactly that access.
 */
const { databaseUrl } = stackEnvironment();
const browserBinary = chromiumPath();
if (!browserBinary) console.warn('Chromium not found (npm test installs Debian\'s chromium as root): the browser part runs through an HTTP client instead');
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
if (!hasKubectl) console.warn('kubectl not found: the kubeconfig is checked with @kubernetes/client-node only');

interface GraphQLAnswer<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

function idpConfig(identityUrl: string): string {
  return `users:
  - {username: alice, password: alice-pw, email: alice@example.com, name: Alice Admin, groups: [portcullis-admins]}
  - {username: bob, password: bob-pw, email: bob@example.com, name: Bob Developer, groups: [developers]}
  - {username: dave, password: dave-pw, email: dave@example.com, name: Dave Nobody, groups: []}
clients:
  - client_id: portcullis
    client_secret: e2e-secret
    redirect_uris: [${identityUrl}/auth/callback]
`;
}

async function signIn(browser: BrowserClient, identityUrl: string, username: string, password: string) {
  const form = await browser.get(`${identityUrl}/auth/login`);
  const action = /<form[^>]*action="([^"]+)"/i.exec(form.body)?.[1];
  if (!action) throw new Error(`no login form: ${form.body.slice(0, 200)}`);
  const landed = await browser.submitForm(new URL(action.replace(/&amp;/g, '&'), form.url).toString(), { username, password });
  expect(landed.url).toBe(`${identityUrl}/`);
}

describe('sign in, grant, and download one kubeconfig', () => {
  const run = uniqueName('cp');
  const secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-cp-'));
  const services: ServiceProcess[] = [];
  let nats: NatsServerProcess;
  let idp: DevIdpProcess;
  let emulator: KubeEmulator;
  let secrets: DevSecrets;
  let identityUrl: string;
  let policyUrl: string;
  let proxyPublicUrl: string;
  let adminToken: string;

  async function admin<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(`${policyUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ query, variables }),
    });
    const answer = (await response.json()) as GraphQLAnswer<T>;
    if (answer.errors?.length || !answer.data) throw new Error(JSON.stringify(answer.errors));
    return answer.data;
  }

  beforeAll(async () => {
    nats = await NatsServerProcess.start();
    emulator = await KubeEmulator.start({});
    secrets = await ensureDevSecrets(secretsDir);
    const [identityPort, policyPort, proxyPort] = [await freePort(), await freePort(), await freePortRun(3)];
    identityUrl = `http://127.0.0.1:${identityPort}`;
    policyUrl = `http://127.0.0.1:${policyPort}`;
    proxyPublicUrl = `https://127.0.0.1:${proxyPort}`;
    idp = await DevIdpProcess.start(idpConfig(identityUrl));
    const endpoints = {
      databaseUrl,
      natsUrl: nats.url,
      identityUrl,
      idpIssuer: idp.issuer,
      idpClientId: 'portcullis',
      idpClientSecret: 'e2e-secret',
      proxyPublicUrl,
    };
    const ports: Record<string, string> = { identity: String(identityPort), policy: String(policyPort), 'kubeconfig-issuer': '0' };
    for (const service of ['identity', 'policy', 'kubeconfig-issuer']) {
      services.push(
        new ServiceProcess(service, {
          ...devServiceEnvironment(service, secrets, endpoints),
          HTTP_PORT: ports[service],
          DATABASE_SCHEMA: `${run}_${service.replace(/-/g, '_')}`,
          DATABASE_MIGRATE_ON_START: 'true',
        }),
      );
    }
    for (const service of services) await waitFor(() => service.readyUrl(), `${service.name} to be ready`, 60_000);

    const alice = new BrowserClient();
    await signIn(alice, identityUrl, 'alice', 'alice-pw');
    adminToken = JSON.parse((await alice.get(`${identityUrl}/api/token`)).body).token;
  });

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()));
    await idp?.stop();
    await emulator?.stop();
    await nats?.stop();
    for (const service of ['identity', 'policy', 'kubeconfig_issuer']) await dropSchema(databaseUrl, `${run}_${service}`);
    fs.rmSync(secretsDir, { recursive: true, force: true });
  });

  let stagingGrantId: string;

  it('lets an admin register clusters and grant a group access through the admin API', async () => {
    const credential = { token: emulator.adminToken };
    const { demo } = await admin<{ demo: { id: string } }>(
      'mutation($input: RegisterClusterInput!) { demo: registerCluster(input: $input) { id } }',
      { input: { name: 'demo', server: emulator.url, caBundle: emulator.caPem, credential } },
    );
    await admin('mutation($input: RegisterClusterInput!) { registerCluster(input: $input) { id } }', {
      input: { name: 'staging', server: emulator.url, caBundle: emulator.caPem, labels: { env: 'staging' }, credential },
    });
    const { roles } = await admin<{ roles: Array<{ id: string; name: string }> }>('{ roles { id name } }');
    const roleId = (name: string) => roles.find((role) => role.name === name)?.id;

    await admin('mutation($input: GrantInput!) { grant(input: $input) { id } }', {
      input: { subject: { kind: 'GROUP', name: 'developers' }, roleId: roleId('edit'), clusterId: demo.id, namespaces: ['team-a'] },
    });
    const { grant } = await admin<{ grant: { id: string; clusters: Array<{ name: string }> } }>(
      'mutation($input: GrantInput!) { grant(input: $input) { id clusters { name } } }',
      { input: { subject: { kind: 'GROUP', name: 'developers' }, roleId: roleId('view'), clusterSelector: { env: 'staging' } } },
    );
    stagingGrantId = grant.id;

    expect(grant.clusters).toEqual([{ name: 'staging' }]);
  });

  it('lets a developer sign in with a browser and download a kubeconfig with exactly their clusters', async () => {
    const file = path.join(secretsDir, 'bob.kubeconfig');
    if (browserBinary) {
      const browser = await chromium.launch({
        executablePath: browserBinary,
        args: CHROMIUM_ARGS,
      });
      try {
        const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
        await page.goto(identityUrl);
        await page.getByRole('link', { name: 'Sign in' }).click();
        await page.getByLabel(/user/i).fill('bob');
        await page.getByLabel(/password/i).fill('bob-pw');
        await page.getByRole('button', { name: /sign in|log in|continue/i }).click();
        await page.getByRole('heading', { name: 'Your clusters' }).waitFor();
        await page.locator('#clusters tbody tr').nth(1).waitFor();
        const rows = await page.locator('#clusters tbody tr').allInnerTexts();
        expect(rows.map((row) => row.split('\t')[0]).sort()).toEqual(['demo', 'staging']);

        const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download kubeconfig' }).click()]);
        expect(download.suggestedFilename()).toBe('portcullis-kubeconfig.yaml');
        await download.saveAs(file);
        await page.getByText(/was downloaded/).waitFor();
      } finally {
        await browser.close();
      }
    } else {
      const bob = new BrowserClient();
      await signIn(bob, identityUrl, 'bob', 'bob-pw');
      const { csrfToken } = JSON.parse((await bob.get(`${identityUrl}/api/me`)).body);
      fs.writeFileSync(file, (await bob.request('POST', `${identityUrl}/api/kubeconfigs`, undefined, { headers: { 'x-csrf-token': csrfToken } })).body);
    }

    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromFile(file);
    expect(kubeconfig.getContexts().map((c) => ({ name: c.name, namespace: c.namespace }))).toEqual([
      { name: 'demo', namespace: 'team-a' },
      { name: 'staging', namespace: undefined },
    ]);
    expect(kubeconfig.getCurrentContext()).toBe('demo');
    expect(kubeconfig.getClusters().map((c) => c.server)).toEqual([`${proxyPublicUrl}/clusters/demo`, `${proxyPublicUrl}/clusters/staging`]);
    expect(kubeconfig.getCurrentUser()?.certData).toBeTruthy();
    if (hasKubectl) {
      const view = spawnSync('kubectl', ['config', 'get-contexts', '-o', 'name', '--kubeconfig', file], { encoding: 'utf8' });
      expect(view.stdout.trim().split('\n')).toEqual(['demo', 'staging']);
    }
  });

  it('reflects a grant change in the next kubeconfig', async () => {
    await admin('mutation($id: ID!) { revokeGrant(id: $id) { id } }', { id: stagingGrantId });
    const bob = new BrowserClient();
    await signIn(bob, identityUrl, 'bob', 'bob-pw');
    const { csrfToken } = JSON.parse((await bob.get(`${identityUrl}/api/me`)).body);

    const download = await bob.request('POST', `${identityUrl}/api/kubeconfigs`, undefined, { headers: { 'x-csrf-token': csrfToken } });

    const kubeconfig = new KubeConfig();
    kubeconfig.loadFromString(download.body);
    expect(kubeconfig.getContexts().map((c) => c.name)).toEqual(['demo']);
  });

  it('lets a developer revoke a kubeconfig, which the admin API then shows as revoked', async () => {
    const bob = new BrowserClient();
    await signIn(bob, identityUrl, 'bob', 'bob-pw');
    const me = JSON.parse((await bob.get(`${identityUrl}/api/me`)).body);
    const { kubeconfigs } = JSON.parse((await bob.get(`${identityUrl}/api/kubeconfigs`)).body);
    const target = kubeconfigs[0].kubeconfigId;

    const revoked = await bob.request('POST', `${identityUrl}/api/kubeconfigs/${target}/revoke`, undefined, { headers: { 'x-csrf-token': me.csrfToken } });

    expect(revoked.status).toBe(201);
    const seen = await admin<{ kubeconfigs: Array<{ id: string; revokedAt: string | null }> }>('query($u: ID!) { kubeconfigs(userId: $u) { id revokedAt } }', { u: me.user.userId });
    expect(seen.kubeconfigs.find((k) => k.id === target)?.revokedAt).toEqual(expect.any(String));
    const access = await admin<{ effectiveAccess: { entries: Array<{ cluster: { name: string }; role: { name: string }; namespaces: string[] }> } }>(
      'query($u: ID!) { effectiveAccess(userId: $u) { entries { cluster { name } role { name } namespaces } } }',
      { u: me.user.userId },
    );
    expect(access.effectiveAccess.entries).toEqual([{ cluster: { name: 'demo' }, role: { name: 'edit' }, namespaces: ['team-a'] }]);
  });

  it('tells a person without access so, instead of handing out an empty kubeconfig', async () => {
    const dave = new BrowserClient();
    await signIn(dave, identityUrl, 'dave', 'dave-pw');
    const { csrfToken } = JSON.parse((await dave.get(`${identityUrl}/api/me`)).body);

    const refused = await dave.request('POST', `${identityUrl}/api/kubeconfigs`, undefined, { headers: { 'x-csrf-token': csrfToken } });

    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({ code: 'NO_ACCESS', message: expect.stringMatching(/no access to any cluster/) });
  });
});
