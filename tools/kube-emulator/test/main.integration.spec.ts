import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

// The CLI as `npm run kube-emulator` runs it: one `ready` line, a working admin kubeconfig, the seed,
// a clean exit on SIGTERM.

const ROOT = resolve(__dirname, '../../..');

describe('kube-emulator CLI', () => {
  it('prints ready, serves the seed through the written kubeconfig and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-emulator-cli-'));
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      const seed = join(dir, 'seed.yaml');
      writeFileSync(
        seed,
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: seeded, namespace: demo}\ndata: {a: b}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n---\napiVersion: emulator.portcullis.dev/v1\nkind: StaticToken\ntoken: dev-token\nuser: {username: dev, groups: [developers]}\n',
      );
      const child = spawn(process.execPath, ['-r', '@swc-node/register', 'tools/kube-emulator/src/main.ts', '--port', '0', '--kubeconfig', kubeconfig, '--seed', seed], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      await new Promise<void>((ready, fail) => {
        child.stdout.on('data', () => stdout.includes('\n') && ready());
        child.on('exit', () => fail(new Error('exited before ready')));
      });
      const [line, ...rest] = stdout.split('\n');
      expect(line).toMatch(/^ready https:\/\/127\.0\.0\.1:\d+$/);
      expect(rest.join('')).toBe('');
      const config = parse(readFileSync(kubeconfig, 'utf8'));
      const server = config.clusters[0].cluster.server;
      expect(server).toBe(line.slice('ready '.length));
      const ca = Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
      const get = (path: string, token: string) =>
        new Promise<{ status: number; body: string }>((done, fail) => {
          request(`${server}${path}`, { ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => done({ status: res.statusCode ?? 0, body }));
          })
            .on('error', fail)
            .end();
        });
      const seeded = await get('/api/v1/namespaces/demo/configmaps/seeded', config.users[0].user.token);
      expect(JSON.parse(seeded.body)).toMatchObject({ kind: 'ConfigMap', data: { a: 'b' } });
      const asDev = await get('/api/v1/namespaces/demo/configmaps', 'dev-token');
      expect(JSON.parse(asDev.body).message).toBe('configmaps is forbidden: User "dev" cannot list resource "configmaps" in API group "" in the namespace "demo"');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
