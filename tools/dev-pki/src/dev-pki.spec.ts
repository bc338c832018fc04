import { spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DevPki, ensureDevPki } from './dev-pki';

// Not from platform-testing: that library depends on platform-config, whose tests use this one.
const workspaceRoot = path.resolve(__dirname, '../../..');

const DAY_MS = 24 * 60 * 60 * 1000;

function certificate(file: string): X509Certificate {
  return new X509Certificate(fs.readFileSync(file));
}

function snapshot(pki: DevPki): Record<string, string> {
  const { dir: _dir, ...files } = pki;
  return Object.fromEntries(Object.entries(files).map(([name, file]) => [name, fs.readFileSync(file, 'utf8')]));
}

function expectPair(certFile: string, keyFile: string): void {
  expect(certificate(certFile).checkPrivateKey(createPrivateKey(fs.readFileSync(keyFile)))).toBe(true);
}

describe(ensureDevPki.name, () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-pki-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates four CAs, a serving certificate for 127.0.0.1 and localhost, signed by the proxy CA, with private keys readable only by the owner', async () => {
    const sut = await ensureDevPki(path.join(dir, 'pki'));

    expect(fs.readdirSync(sut.dir).sort()).toEqual([
      'agent-ca.crt',
      'agent-ca.key',
      'kubeconfig-ca.crt',
      'kubeconfig-ca.key',
      'proxy-ca.crt',
      'proxy-ca.key',
      'proxy-service.crt',
      'proxy-service.key',
      'proxy.crt',
      'proxy.key',
      'sa-provisioner-service.crt',
      'sa-provisioner-service.key',
      'service-ca.crt',
      'service-ca.key',
    ]);
    expect(fs.statSync(sut.dir).mode & 0o777).toBe(0o700);
    for (const keyFile of [sut.kubeconfigCaKeyFile, sut.proxyCaKeyFile, sut.proxyKeyFile, sut.agentCaKeyFile, sut.serviceCaKeyFile, sut.proxyServiceKeyFile, sut.provisionerServiceKeyFile]) {
      expect({ keyFile, mode: fs.statSync(keyFile).mode & 0o777 }).toEqual({ keyFile, mode: 0o600 });
    }
    expectPair(sut.kubeconfigCaCertFile, sut.kubeconfigCaKeyFile);
    expectPair(sut.proxyCaCertFile, sut.proxyCaKeyFile);
    expectPair(sut.proxyCertFile, sut.proxyKeyFile);
    expectPair(sut.agentCaCertFile, sut.agentCaKeyFile);

    const kubeconfigCa = certificate(sut.kubeconfigCaCertFile);
    const proxyCa = certificate(sut.proxyCaCertFile);
    const agentCa = certificate(sut.agentCaCertFile);
    const proxy = certificate(sut.proxyCertFile);
    expect([kubeconfigCa.ca, proxyCa.ca, agentCa.ca, proxy.ca]).toEqual([true, true, true, false]);
    expect(new Set([kubeconfigCa.fingerprint256, proxyCa.fingerprint256, agentCa.fingerprint256]).size).toBe(3);
    expect(agentCa.subject).toContain('CN=Portcullis development agent CA');
    expect(proxy.verify(proxyCa.publicKey)).toBe(true);
    expect(proxy.verify(kubeconfigCa.publicKey)).toBe(false);
    expect(proxy.verify(agentCa.publicKey)).toBe(false);
    expect(proxy.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(proxy.checkHost('localhost')).toBe('localhost');
    expect(proxy.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const lifetime = new Date(proxy.validTo).getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(364 * DAY_MS);
    expect(lifetime).toBeLessThan(366 * DAY_MS);
  });

  it('issues the services their certificates from the service CA: CN names the service, the proxy may also serve', async () => {
    const sut = await ensureDevPki(path.join(dir, 'services'));
    const serviceCa = certificate(sut.serviceCaCertFile);
    const proxyService = certificate(sut.proxyServiceCertFile);
    const provisionerService = certificate(sut.provisionerServiceCertFile);

    expectPair(sut.proxyServiceCertFile, sut.proxyServiceKeyFile);
    expectPair(sut.provisionerServiceCertFile, sut.provisionerServiceKeyFile);
    expect([proxyService.verify(serviceCa.publicKey), provisionerService.verify(serviceCa.publicKey)]).toEqual([true, true]);
    expect(proxyService.verify(certificate(sut.proxyCaCertFile).publicKey)).toBe(false);
    expect(proxyService.subject).toContain('CN=proxy');
    expect(provisionerService.subject).toContain('CN=sa-provisioner');
    expect(proxyService.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(provisionerService.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(proxyService.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('reuses what it created on later runs, byte for byte', async () => {
    const first = snapshot(await ensureDevPki(dir));

    const sut = snapshot(await ensureDevPki(dir));

    expect(sut).toEqual(first);
  });

  it('re-issues a missing serving certificate from the existing proxy CA and keeps both CAs', async () => {
    const pki = await ensureDevPki(dir);
    const before = snapshot(pki);
    fs.rmSync(pki.proxyCertFile);

    const after = snapshot(await ensureDevPki(dir));

    expect(after.proxyCertFile).not.toBe(before.proxyCertFile);
    expect(after.proxyKeyFile).not.toBe(before.proxyKeyFile);
    expect([after.kubeconfigCaCertFile, after.proxyCaCertFile, after.agentCaCertFile]).toEqual([before.kubeconfigCaCertFile, before.proxyCaCertFile, before.agentCaCertFile]);
    expect(certificate(pki.proxyCertFile).verify(certificate(pki.proxyCaCertFile).publicKey)).toBe(true);
    expectPair(pki.proxyCertFile, pki.proxyKeyFile);
  });

  it('adds the agent CA to a PKI made before it existed, keeping everything else', async () => {
    const pki = await ensureDevPki(dir);
    const { agentCaCertFile: _cert, agentCaKeyFile: _key, ...before } = snapshot(pki);
    fs.rmSync(pki.agentCaCertFile);
    fs.rmSync(pki.agentCaKeyFile);

    const { agentCaCertFile: _newCert, agentCaKeyFile: _newKey, ...after } = snapshot(await ensureDevPki(dir));

    expect(after).toEqual(before);
    expectPair(pki.agentCaCertFile, pki.agentCaKeyFile);
    expect(certificate(pki.agentCaCertFile).ca).toBe(true);
  });

  it('replaces a CA whose key does not belong to its certificate, and the serving certificate with it', async () => {
    const pki = await ensureDevPki(dir);
    const before = snapshot(pki);
    fs.copyFileSync(pki.kubeconfigCaKeyFile, pki.proxyCaKeyFile);

    const after = snapshot(await ensureDevPki(dir));

    expect(after.proxyCaCertFile).not.toBe(before.proxyCaCertFile);
    expect(after.kubeconfigCaCertFile).toBe(before.kubeconfigCaCertFile);
    expect(after.agentCaCertFile).toBe(before.agentCaCertFile);
    expectPair(pki.proxyCaCertFile, pki.proxyCaKeyFile);
    expect(certificate(pki.proxyCertFile).verify(certificate(pki.proxyCaCertFile).publicKey)).toBe(true);
  });

  it('gives parallel callers one consistent set', async () => {
    const results = await Promise.all([ensureDevPki(dir), ensureDevPki(dir), ensureDevPki(dir)]);

    const sets = results.map(snapshot);
    expect(sets[1]).toEqual(sets[0]);
    expect(sets[2]).toEqual(sets[0]);
    expectPair(results[0].kubeconfigCaCertFile, results[0].kubeconfigCaKeyFile);
    expectPair(results[0].proxyCertFile, results[0].proxyKeyFile);
    expectPair(results[0].agentCaCertFile, results[0].agentCaKeyFile);
    expect(fs.readdirSync(dir)).toHaveLength(14);
  });

  it('serves TLS that a client trusting only the proxy CA accepts for 127.0.0.1 and localhost', async () => {
    const pki = await ensureDevPki(dir);
    const server = https.createServer({ cert: fs.readFileSync(pki.proxyCertFile), key: fs.readFileSync(pki.proxyKeyFile) }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const get = (servername: string, ca: Buffer) =>
      new Promise<string>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port, servername, ca, path: '/', agent: false }, (res) => {
            res.setEncoding('utf8');
            let body = '';
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve(body));
          })
          .on('error', reject);
      });

    try {
      await expect(get('localhost', fs.readFileSync(pki.proxyCaCertFile))).resolves.toBe('ok');
      await expect(get('', fs.readFileSync(pki.proxyCaCertFile))).resolves.toBe('ok');
      await expect(get('localhost', fs.readFileSync(pki.kubeconfigCaCertFile))).rejects.toThrow(/unable to verify|self.signed|certificate/i);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('has a command line that prints the paths as JSON', () => {
    const run = spawnSync(process.execPath, ['-r', '@swc-node/register', 'tools/dev-pki/src/main.ts', dir], { cwd: workspaceRoot, encoding: 'utf8' });

    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const printed = JSON.parse(run.stdout) as DevPki;
    expect(printed).toEqual({
      dir,
      kubeconfigCaCertFile: path.join(dir, 'kubeconfig-ca.crt'),
      kubeconfigCaKeyFile: path.join(dir, 'kubeconfig-ca.key'),
      proxyCaCertFile: path.join(dir, 'proxy-ca.crt'),
      proxyCaKeyFile: path.join(dir, 'proxy-ca.key'),
      proxyCertFile: path.join(dir, 'proxy.crt'),
      proxyKeyFile: path.join(dir, 'proxy.key'),
      serviceCaCertFile: path.join(dir, 'service-ca.crt'),
      serviceCaKeyFile: path.join(dir, 'service-ca.key'),
      proxyServiceCertFile: path.join(dir, 'proxy-service.crt'),
      proxyServiceKeyFile: path.join(dir, 'proxy-service.key'),
      provisionerServiceCertFile: path.join(dir, 'sa-provisioner-service.crt'),
      provisionerServiceKeyFile: path.join(dir, 'sa-provisioner-service.key'),
      agentCaCertFile: path.join(dir, 'agent-ca.crt'),
      agentCaKeyFile: path.join(dir, 'agent-ca.key'),
    });
    expectPair(printed.proxyCertFile, printed.proxyKeyFile);
  });
});
