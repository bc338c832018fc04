import { DevSecrets, devServiceEnvironment, ensureDevSecrets } from '@portcullis/local-stack';
import { dropSchema, freePortRun, ServiceProcess, stackEnvironment, uniqueName, waitFor, workspaceRoot } from '@portcullis/platform/testing';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startBuiltApp } from './support/built-app.process';
import { AppGraph, requireGraph } from './support/require-graph';

// What docker/service.Dockerfile ships, without Docker: each app built by tools/build/build-app.mjs,
// beside a node_modules installed from the lockfile with production dependencies only, as in the
// image's /app. A package an app needs that sits in devDependencies is missing there, so the app
// fails here as it would in its container.

const apps = ['identity', 'policy', 'kubeconfig-issuer', 'proxy', 'sa-provisioner', 'audit', 'cluster-agent'];
const { databaseUrl, natsUrl } = stackEnvironment();
const manifest = JSON.parse(fs.readFileSync(path.join(workspaceRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const run = promisify(execFile);

/** Every directory whose node_modules Node would search from `dir`. */
function ancestors(dir: string): string[] {
  const parent = path.dirname(dir);
  return parent === dir ? [dir] : [dir, ...ancestors(parent)];
}

async function probe(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  return { status: response.status, body: await response.text() };
}

describe('the production bundle', () => {
  let work: string;
  let install: string;
  const appDir = (app: string) => path.join(work, 'apps', app);
  const traceFile = (app: string) => path.join(work, `${app}.trace`);
  let graphs: Promise<Record<string, AppGraph>>;
  const loadedAtRunTime = new Set<string>();

  beforeAll(async () => {
    work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'production-bundle-')));
    // Node searches node_modules in every ancestor: one above the work dir (the workspace's, say)
    // would supply what the image lacks.
    expect(ancestors(path.dirname(work)).filter((dir) => fs.existsSync(path.join(dir, 'node_modules')))).toEqual([]);

    install = path.join(work, 'install');
    fs.mkdirSync(install);
    for (const file of ['package.json', 'package-lock.json', '.npmrc']) fs.copyFileSync(path.join(workspaceRoot, file), path.join(install, file));
    // npm on the production runtime, without the npm_* variables of an `npm test` around us.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('npm_')));
    env['PATH'] = `${path.dirname(process.execPath)}${path.delimiter}${env['PATH'] ?? ''}`;
    const build = (app: string) => run(process.execPath, [path.join(workspaceRoot, 'tools/build/build-app.mjs'), app, '--out-dir', appDir(app)], { cwd: workspaceRoot });
    await Promise.all([
      run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: install, env, maxBuffer: 16 * 1024 * 1024 }),
      ...apps.map(build),
    ]);
    // One install for all seven: the same node_modules each image gets, beside each main.js.
    for (const app of apps) fs.symlinkSync(path.join(install, 'node_modules'), path.join(appDir(app), 'node_modules'), 'dir');
    // The walk runs while the apps start (most of the spec's time): both mostly wait on the CPU.
    graphs = requireGraph(path.join(install, 'package.json'), apps.map(appDir));
    graphs.catch(() => undefined); // awaited, and reported, by the tests
  }, 180_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  describe('started from that directory', () => {
    const schemaRun = uniqueName('bundle');
    const schema = (app: string) => `${schemaRun}_${app.replace(/-/g, '_')}`;
    const started: ServiceProcess[] = [];
    let secrets: DevSecrets;
    let proxyPort: number;

    beforeAll(async () => {
      secrets = await ensureDevSecrets(path.join(work, 'secrets'));
      proxyPort = await freePortRun(3);
    });

    afterAll(async () => {
      await Promise.all(started.map((service) => service.stop()));
      await Promise.all(apps.filter((app) => app !== 'cluster-agent').map((app) => dropSchema(databaseUrl, schema(app))));
    });

    function environment(app: string): Record<string, string> {
      if (app === 'cluster-agent') {
        // Outside a cluster the agent needs a kubeconfig. This one points at a closed port, so the
        // agent can neither read its identity nor enroll, and never dials a tunnel: alive, not
        // ready, as any agent before its cluster is registered (enrolling is e2e/'s story).
        const kubeconfig = path.join(work, 'agent-kubeconfig.yaml');
        const contexts = 'contexts: [{ name: none, context: { cluster: none, user: none } }]\ncurrent-context: none\n';
        fs.writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{ name: none, cluster: { server: 'https://127.0.0.1:9' } }]\nusers: [{ name: none, user: { token: unused } }]\n${contexts}`);
        return { HTTP_PORT: '0', KUBECONFIG: kubeconfig, AGENT_CLUSTER_NAME: 'bundle-check', AGENT_TUNNEL_URL: `https://127.0.0.1:${proxyPort + 1}` };
      }
      const endpoints = {
        databaseUrl,
        natsUrl,
        identityUrl: 'http://127.0.0.1:3001',
        idpIssuer: 'http://127.0.0.1:5556',
        idpClientId: 'portcullis',
        idpClientSecret: 'not-used-here',
        proxyPublicUrl: `https://127.0.0.1:${proxyPort}`,
      };
      return { ...devServiceEnvironment(app, secrets, endpoints), HTTP_PORT: '0', DATABASE_SCHEMA: schema(app) };
    }

    async function runToEnd(app: string, script: string, args: string[] = []): Promise<string[]> {
      const entry = startBuiltApp(app, { dir: appDir(app), script, args, env: environment(app), traceFile: traceFile(app) });
      const exit = await entry.exited;
      expect({ app, script, exit, output: exit.code === 0 ? '' : entry.output() }).toEqual({ app, script, exit: { code: 0, signal: null }, output: '' });
      return entry.lines;
    }

    async function bootToReady(app: string): Promise<void> {
      const built = appDir(app);
      if (fs.existsSync(path.join(built, 'migrate.js'))) await runToEnd(app, 'migrate.js');
      if (fs.existsSync(path.join(built, 'export.js'))) {
        // An empty day of an empty trail: the export entry point loads, connects and writes nothing.
        expect(await runToEnd(app, 'export.js', ['--from', '2026-01-01T00:00:00Z', '--to', '2026-01-02T00:00:00Z'])).toEqual([]);
      }
      const service = startBuiltApp(app, { dir: built, script: 'main.js', env: environment(app), traceFile: traceFile(app) });
      started.push(service);
      const url = await Promise.race([
        waitFor(() => service.readyUrl(), `${app} to log ready`, 60_000).catch((error: Error) => {
          throw new Error(`${error.message}:\n${service.output()}`);
        }),
        service.exited.then((exit) => {
          throw new Error(`${app} exited (${exit.code ?? exit.signal}) before it was ready:\n${service.output()}`);
        }),
      ]);
      expect({ app, alive: (await probe(`${url}/healthz`)).status }).toEqual({ app, alive: 200 });
      if (app === 'cluster-agent') return;
      const ready = await waitFor(async () => {
        const result = await probe(`${url}/readyz`);
        return result.status === 200 ? result : undefined;
      }, `${app} to report ready`, 15_000);
      expect(JSON.parse(ready.body)).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, nats: { status: 'up' } } });
    }

    it('each app migrates, exports and runs until ready (the cluster agent: alive, with no tunnel to reach)', async () => {
      // A few at a time: seven Node processes compiling Nest at once on a small CI machine take
      // each other's CPU until their timeouts mean nothing. Every one runs to the end, even after a
      // failure, so none starts after afterAll has stopped the others.
      const failures: unknown[] = [];
      const queue = [...apps];
      const next = async (): Promise<void> => {
        for (let app = queue.shift(); app; app = queue.shift()) await bootToReady(app).catch((error: unknown) => failures.push(error));
      };
      await Promise.all(Array.from({ length: os.availableParallelism() + 1 }, next));
      if (failures.length) throw new Error(failures.map((failure) => (failure as Error).message).join('\n\n'));

      for (const app of apps) for (const name of fs.readFileSync(traceFile(app), 'utf8').split('\n').filter(Boolean)) loadedAtRunTime.add(name);
      // What frameworks load by computed name, which only a running app shows.
      expect([...loadedAtRunTime]).toEqual(expect.arrayContaining(['pg', '@nestjs/platform-express']));
    });
  });

  it('names no package outside dependencies in any app, and everything its own code loads resolves', async () => {
    const graph = await graphs;

    const violations = apps.flatMap((app) =>
      graph[app].violations.map((violation) => `${app}: ${path.relative(appDir(app), violation.file)} loads '${violation.specifier}': ${violation.problem}`),
    );
    expect(violations).toEqual([]);
    // A walk that reached nothing would pass the check above vacuously.
    for (const app of apps) expect({ app, reachesNest: graph[app].packages.includes('@nestjs/core') }).toEqual({ app, reachesNest: true });
  });

  it('declares no dependency that no app loads, by require graph or at run time', async () => {
    const reached = new Set([...Object.values(await graphs).flatMap((graph) => graph.packages), ...loadedAtRunTime]);

    expect(Object.keys(manifest.dependencies).filter((name) => !reached.has(name))).toEqual([]);
  });
});
