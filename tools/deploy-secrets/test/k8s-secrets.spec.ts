import { createCertificateAuthority, issueCertificate } from '@portcullis/dev-pki';
import { spawn, spawnSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { parse, parseAllDocuments } from 'yaml';
import { loadAuditConfig } from '../../../apps/audit/src/config/audit.config';
import { loadIdentityConfig } from '../../../apps/identity/src/config/identity.config';
import { loadSigningKeys } from '../../../apps/identity/src/tokens/signing-keys';
import { loadKubeconfigIssuerConfig } from '../../../apps/kubeconfig-issuer/src/config/kubeconfig-issuer.config';
import { loadPolicyConfig } from '../../../apps/policy/src/config/policy.config';
import { loadProxyConfig } from '../../../apps/proxy/src/config/proxy.config';
import { loadSaProvisionerConfig } from '../../../apps/sa-provisioner/src/config/sa-provisioner.config';
import { runK8sSecretsCommand } from '../src';

const root = path.resolve(__dirname, '../../..');
const SERVICES = ['identity', 'policy', 'kubeconfig-issuer', 'proxy', 'sa-provisioner', 'audit'];
const PROXY_HOST = 'kube.portcullis.example.com';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const PLACEHOLDER = /REPLACE[ -]ME/;
const OIDC_CLIENT_SECRET = 'portcullis/client-secret';

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const overlayWritten = fs.existsSync(path.join(root, 'k8s/overlays/evaluation/kustomization.yaml'));
if (!kubectl || !overlayWritten) console.warn(`${kubectl ? 'k8s/overlays/evaluation/kustomization.yaml is missing' : 'kubectl not found'}: skipping the kustomize rendering of the generated Secrets`);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The script as an operator runs it (`npm run k8s:secrets -- …` runs exactly this), without the caller's OIDC_CLIENT_SECRET. */
function k8sSecrets(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const { OIDC_CLIENT_SECRET: _secret, INIT_CWD: _cwd, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'tools/scripts/k8s-secrets.mjs'), ...args], { cwd: root, env: { ...inherited, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

let workDir: string;

/** A copy of k8s/ (the overlay refers to ../../base) with the overlay's secrets as committed: placeholders only. */
function freshOverlay(name: string): string {
  const k8s = path.join(workDir, name, 'k8s');
  fs.cpSync(path.join(root, 'k8s'), k8s, { recursive: true });
  const overlay = path.join(k8s, 'overlays/evaluation');
  // A developer may have filled their own checkout's files; the tests start from placeholders.
  for (const file of secretFiles(overlay)) if (!PLACEHOLDER.test(fs.readFileSync(file, 'utf8'))) fs.writeFileSync(file, 'REPLACE ME\n');
  return overlay;
}

function secretFiles(overlay: string): string[] {
  const secrets = path.join(overlay, 'secrets');
  return fs.readdirSync(secrets).flatMap((secret) => fs.readdirSync(path.join(secrets, secret)).map((key) => path.join(secrets, secret, key)));
}

function snapshot(overlay: string): Record<string, string> {
  return Object.fromEntries(secretFiles(overlay).map((file) => [path.relative(overlay, file), fs.readFileSync(file, 'utf8')]));
}

function read(overlay: string, name: string): string {
  return fs.readFileSync(path.join(overlay, 'secrets', name), 'utf8');
}

function certificate(overlay: string, name: string): X509Certificate {
  return new X509Certificate(read(overlay, name));
}

function expectPair(overlay: string, cert: string, key: string): void {
  expect({ cert, matches: certificate(overlay, cert).checkPrivateKey(createPrivateKey(read(overlay, key))) }).toEqual({ cert, matches: true });
}

/**
 * What a service's container sees in the evaluation install, from the manifests themselves: its
 * ConfigMap's literals (base, then the overlay's merge), its env (Secret keys read from the
 * generated files), and every path under a Secret's mount turned into that Secret's directory.
 */
function serviceEnvironment(overlay: string, service: string): Record<string, string> {
  const base = path.join(overlay, '../../base', service);
  const literals = [parse(fs.readFileSync(path.join(base, 'kustomization.yaml'), 'utf8')), parse(fs.readFileSync(path.join(overlay, 'kustomization.yaml'), 'utf8'))].flatMap(
    (kustomization: { configMapGenerator?: Array<{ name: string; literals?: string[] }> }) =>
      (kustomization.configMapGenerator ?? []).filter((generator) => generator.name === `portcullis-${service}`).flatMap((generator) => generator.literals ?? []),
  );
  const deployment = parseAllDocuments(fs.readFileSync(path.join(base, 'deployment.yaml'), 'utf8'))
    .map((document) => document.toJS())
    .find((object: { kind?: string }) => object.kind === 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers.find((candidate: { name: string }) => candidate.name === service);
  const secretOfVolume = new Map<string, string>(pod.volumes?.filter((volume: { secret?: unknown }) => volume.secret).map((volume: { name: string; secret: { secretName: string } }) => [volume.name, volume.secret.secretName]));
  const mounts = (container.volumeMounts ?? []).map((mount: { name: string; mountPath: string }) => ({ at: `${mount.mountPath}/`, dir: path.join(overlay, 'secrets', secretOfVolume.get(mount.name) ?? '') }));
  const inPod = (value: string): string => mounts.reduce((result: string, mount: { at: string; dir: string }) => (result.startsWith(mount.at) ? path.join(mount.dir, result.slice(mount.at.length)) : result), value);
  const fields: Record<string, string> = { 'metadata.name': `portcullis-${service}-5d8f9c7b6-x2k4q`, 'status.podIP': '10.244.1.7' };

  const env: Record<string, string> = {};
  for (const literal of literals) env[literal.slice(0, literal.indexOf('='))] = inPod(literal.slice(literal.indexOf('=') + 1));
  for (const variable of container.env ?? []) {
    const { secretKeyRef, fieldRef } = variable.valueFrom ?? {};
    if (variable.value !== undefined) env[variable.name] = inPod(variable.value.replace(/\$\((\w+)\)/g, (_: string, name: string) => env[name] ?? ''));
    else if (secretKeyRef) env[variable.name] = read(overlay, `${secretKeyRef.name}/${secretKeyRef.key}`);
    else if (fieldRef) env[variable.name] = fields[fieldRef.fieldPath];
  }
  return env;
}

interface Handshake {
  /** The client's verdict: undefined when it accepted the server, else the error's code. */
  clientError?: string;
  /** The CN of the client certificate the server accepted, if it asked for one. */
  clientName?: string;
}

/** One TLS connection on 127.0.0.1 between a server and a client with these options. */
async function handshake(serverOptions: tls.TlsOptions, clientOptions: tls.ConnectionOptions): Promise<Handshake> {
  let clientName: string | undefined;
  const server = tls.createServer(serverOptions, (socket) => {
    clientName = socket.authorized ? String(socket.getPeerCertificate().subject?.CN) : undefined;
    socket.end('ok');
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const clientError = await new Promise<string | undefined>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ...clientOptions });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      // A TLS 1.3 server reads the client certificate after the client's handshake: wait for its answer.
      socket.on('data', () => resolve(undefined));
    });
    return { clientError, clientName };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('npm run k8s:secrets', () => {
  let overlay: string;
  let first: Run;
  let chosen: { overlay: string; run: Run };
  let own: { overlay: string; run: Run; pki: { cert: string; key: string; ca: string } };

  beforeAll(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-secrets-'));
    overlay = freshOverlay('defaults');
    chosen = { overlay: freshOverlay('chosen'), run: { status: null, stdout: '', stderr: '' } };
    own = { overlay: freshOverlay('own'), run: { status: null, stdout: '', stderr: '' }, pki: { cert: '', key: '', ca: '' } };

    // An operator's own PKI: a CA of theirs and a serving certificate for their host.
    const ca = await createCertificateAuthority({ commonName: 'Example Corp CA', organization: 'Example Corp', validityDays: 30 });
    const serving = await issueCertificate(ca, { commonName: 'kube.example.org', organization: 'Example Corp', usages: ['serverAuth'], subjectAltNames: ['kube.example.org'], validityDays: 30 });
    own.pki = { cert: serving.cert, key: serving.key, ca: ca.cert };
    for (const [name, content] of Object.entries({ ...own.pki, oidc: `${OIDC_CLIENT_SECRET}\n` })) fs.writeFileSync(path.join(workDir, name), content);

    // Independent installs: run side by side.
    [first, chosen.run, own.run] = await Promise.all([
      k8sSecrets([overlay]),
      k8sSecrets([chosen.overlay, '--oidc-client-secret-file', path.join(workDir, 'oidc'), '--proxy-host', PROXY_HOST, '--proxy-host', '203.0.113.10', '--namespace', 'portcullis-eval']),
      k8sSecrets([own.overlay, '--proxy-cert', path.join(workDir, 'cert'), '--proxy-key', path.join(workDir, 'key'), '--proxy-ca', path.join(workDir, 'ca'), '--proxy-host', 'kube.example.org'], {
        OIDC_CLIENT_SECRET: OIDC_CLIENT_SECRET,
      }),
    ]);
  });

  afterAll(() => {
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('fills every placeholder but the OIDC client secret, owner-only, and says what is left without printing a value', () => {
    expect(first).toMatchObject({ status: 0, stderr: '' });
    const files = snapshot(overlay);
    expect(Object.keys(files).filter((file) => PLACEHOLDER.test(files[file]))).toEqual(['secrets/portcullis-identity-oidc/client-secret']);
    for (const file of secretFiles(overlay).filter((name) => !name.endsWith('client-secret'))) {
      expect({ file, mode: fs.statSync(file).mode & 0o777 }).toEqual({ file, mode: 0o600 });
    }

    const secrets = [...new Set(Object.keys(files).map((file) => file.split('/')[1]))];
    for (const secret of secrets) expect(first.stdout).toMatch(new RegExp(`^ +${secret === 'portcullis-identity-oidc' ? 'to fill' : 'written'} +${secret}$`, 'm'));
    expect(first.stdout).toContain(path.join(overlay, 'secrets/portcullis-identity-oidc/client-secret'));
    expect(first.stdout).toContain(`kubectl apply -k ${overlay}`);
    // Not one line of secret material: passwords, URLs, keys, JWKs.
    for (const [file, content] of Object.entries(files).filter(([file]) => !/\.crt$|client-secret$/.test(file))) {
      for (const line of content.split('\n').filter((text) => text.length > 16 && !text.startsWith('-----'))) expect({ file, printed: first.stdout.includes(line) }).toEqual({ file, printed: false });
    }
  });

  it('gives every service the same password in its database URL, and env-var files without a line break', () => {
    const password = read(overlay, 'portcullis-postgres/password');
    expect(password).toMatch(/^\S{24,}$/);
    for (const service of SERVICES) {
      expect(read(overlay, `portcullis-${service}-database/url`)).toBe(`postgres://portcullis:${encodeURIComponent(password)}@postgres:5432/portcullis`);
    }
    expect(read(overlay, 'portcullis-policy-cluster-credentials/key')).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(read(overlay, 'portcullis-policy-cluster-credentials/key'), 'base64')).toHaveLength(32);
  });

  it('changes nothing on a second run, and --force makes anew all but the OIDC client secret and what stored data depends on', async () => {
    const before = snapshot(overlay);
    const forcedOverlay = path.join(workDir, 'forced/k8s/overlays/evaluation');
    fs.cpSync(path.join(workDir, 'defaults'), path.join(workDir, 'forced'), { recursive: true });

    const [again, forced] = await Promise.all([k8sSecrets([overlay]), k8sSecrets([forcedOverlay, '--force'])]);

    expect(again).toMatchObject({ status: 0, stderr: '' });
    expect(snapshot(overlay)).toEqual(before);
    expect(again.stdout).not.toMatch(/^ +written/m);
    expect(again.stdout).toMatch(/^ +kept +portcullis-kubeconfig-ca$/m);
    expect(forced).toMatchObject({ status: 0, stderr: '' });
    const after = snapshot(forcedOverlay);
    const unchanged = Object.keys(before).filter((file) => after[file] === before[file]);
    expect(unchanged.sort()).toEqual(
      [
        'secrets/portcullis-identity-oidc/client-secret',
        'secrets/portcullis-postgres/password',
        'secrets/portcullis-policy-cluster-credentials/key',
        ...['identity', 'policy', 'kubeconfig-issuer', 'proxy', 'sa-provisioner', 'audit'].map((service) => `secrets/portcullis-${service}-database/url`),
      ].sort(),
    );
  });

  it('in a checkout, keeps the secrets out of git status and git commit -a', async () => {
    const target = freshOverlay('checkout');
    const git = (...args: string[]) => spawnSync('git', args, { cwd: path.join(workDir, 'checkout'), encoding: 'utf8' });
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=operator', '-c', 'user.email=operator@example.com', 'commit', '-qm', 'the placeholders, as committed');

    const run = await k8sSecrets([target]);

    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(run.stdout).toContain('skip-worktree');
    expect(read(target, 'portcullis-postgres/password')).not.toMatch(PLACEHOLDER);
    expect(git('status', '--porcelain').stdout).toBe('');
  });

  it('makes anew the Secrets whose files were deleted, and keeps every CA it still has', async () => {
    const target = path.join(workDir, 'renewed/k8s/overlays/evaluation');
    fs.cpSync(path.join(workDir, 'defaults'), path.join(workDir, 'renewed'), { recursive: true });
    const before = snapshot(target);
    const renewed = ['secrets/portcullis-proxy-tls/tls.crt', 'secrets/portcullis-proxy-tls/tls.key', 'secrets/portcullis-proxy-ca/ca.crt', 'secrets/portcullis-kubeconfig-ca-public/ca.crt'];
    for (const file of renewed) fs.rmSync(path.join(target, file));

    const status = await runK8sSecretsCommand([target], { cwd: root, env: {}, out: () => undefined, err: (line) => fs.writeSync(2, `${line}\n`) });

    expect(status).toBe(0);
    const after = snapshot(target);
    expect(Object.keys(before).filter((file) => after[file] !== before[file]).sort()).toEqual(renewed.filter((file) => !file.includes('kubeconfig-ca-public')).sort());
    expect(certificate(target, 'portcullis-proxy-tls/tls.crt').verify(certificate(target, 'portcullis-proxy-ca/ca.crt').publicKey)).toBe(true);
  });

  it('issues the proxy a serving certificate for its public host, chained to the proxy CA that kubeconfigs carry', () => {
    const serving = certificate(overlay, 'portcullis-proxy-tls/tls.crt');
    const ca = certificate(overlay, 'portcullis-proxy-ca/ca.crt');

    expect(ca.ca).toBe(true);
    expect(serving.ca).toBe(false);
    expect(serving.verify(ca.publicKey) && serving.checkIssued(ca)).toBe(true);
    expect(serving.checkHost(PROXY_HOST)).toBe(PROXY_HOST);
    expect(serving.keyUsage).toEqual([SERVER_AUTH]);
    expectPair(overlay, 'portcullis-proxy-tls/tls.crt', 'portcullis-proxy-tls/tls.key');
  });

  it('issues the relay certificates from one service CA: CN proxy serves and dials, CN sa-provisioner dials', () => {
    const serviceCa = certificate(overlay, 'portcullis-proxy-service-tls/ca.crt');
    const relay = certificate(overlay, 'portcullis-proxy-service-tls/tls.crt');
    const provisioner = certificate(overlay, 'portcullis-sa-provisioner-service-tls/tls.crt');

    expect(read(overlay, 'portcullis-sa-provisioner-service-tls/ca.crt')).toBe(read(overlay, 'portcullis-proxy-service-tls/ca.crt'));
    expect(serviceCa.ca).toBe(true);
    expect([relay.verify(serviceCa.publicKey), provisioner.verify(serviceCa.publicKey)]).toEqual([true, true]);
    expect(relay.verify(certificate(overlay, 'portcullis-proxy-ca/ca.crt').publicKey)).toBe(false);
    expect(relay.subject).toContain('CN=proxy');
    expect(relay.keyUsage).toEqual([SERVER_AUTH, CLIENT_AUTH]);
    expect(relay.subjectAltName).toBe('DNS:portcullis-proxy-relay, DNS:portcullis-proxy-relay.portcullis.svc');
    expect(provisioner.subject).toContain('CN=sa-provisioner');
    expect(provisioner.keyUsage).toEqual([CLIENT_AUTH]);
    expect(provisioner.subjectAltName).toBeUndefined();
    expectPair(overlay, 'portcullis-proxy-service-tls/tls.crt', 'portcullis-proxy-service-tls/tls.key');
    expectPair(overlay, 'portcullis-sa-provisioner-service-tls/tls.crt', 'portcullis-sa-provisioner-service-tls/tls.key');
  });

  it('gives the proxy copies of the kubeconfig and agent CAs identical to theirs, and four distinct CAs', () => {
    for (const ca of ['portcullis-kubeconfig-ca', 'portcullis-agent-ca']) {
      expect(read(overlay, `${ca}-public/ca.crt`)).toBe(read(overlay, `${ca}/tls.crt`));
      expect(certificate(overlay, `${ca}/tls.crt`).ca).toBe(true);
      expectPair(overlay, `${ca}/tls.crt`, `${ca}/tls.key`);
    }
    const cas = ['portcullis-kubeconfig-ca/tls.crt', 'portcullis-agent-ca/tls.crt', 'portcullis-proxy-ca/ca.crt', 'portcullis-proxy-service-tls/ca.crt'];
    expect(new Set(cas.map((name) => certificate(overlay, name).fingerprint256)).size).toBe(4);
  });

  it("passes every service's own config loader, with the variables and mounts of the manifests", async () => {
    const install = chosen.overlay;
    const secretsDir = path.join(install, 'secrets');
    const env = Object.fromEntries(SERVICES.map((service) => [service, serviceEnvironment(install, service)]));

    const identity = loadIdentityConfig(env['identity']);
    const proxy = loadProxyConfig(env['proxy']);
    const configs = {
      identity,
      policy: loadPolicyConfig(env['policy']),
      'kubeconfig-issuer': loadKubeconfigIssuerConfig(env['kubeconfig-issuer']),
      proxy,
      'sa-provisioner': loadSaProvisionerConfig(env['sa-provisioner']),
      audit: loadAuditConfig(env['audit']),
    };

    await expect(loadSigningKeys(identity.PLATFORM_JWT_SIGNING_KEYS_FILE)).resolves.toHaveLength(1);
    expect(identity.OIDC_CLIENT_SECRET).toBe(OIDC_CLIENT_SECRET);
    for (const [service, config] of Object.entries(configs)) expect({ service, url: config.DATABASE_URL }).toEqual({ service, url: read(install, `portcullis-${service}-database/url`) });
    // The files came from the generated Secrets, not from a default somewhere.
    const files = [
      identity.PLATFORM_JWT_SIGNING_KEYS_FILE,
      configs.policy.AGENT_CA_KEY_FILE,
      configs.policy.AGENT_TUNNEL_CA_FILE,
      configs['kubeconfig-issuer'].KUBECONFIG_CA_KEY_FILE,
      configs['kubeconfig-issuer'].PROXY_CA_CERT_FILE,
      proxy.PROXY_TLS_KEY_FILE,
      proxy.KUBECONFIG_CA_CERT_FILE,
      proxy.AGENT_CA_CERT_FILE,
      proxy.SERVICE_KEY_FILE,
      configs['sa-provisioner'].SERVICE_CLIENT_KEY_FILE,
    ];
    for (const file of files) expect(path.dirname(path.dirname(file ?? ''))).toBe(secretsDir);
    expect(proxy.PROXY_RELAY_ADVERTISE_URL).toBe('https://10.244.1.7:8445');
  });

  it('serves TLS that a client trusting the proxy CA accepts for the public host, and for no other name', async () => {
    const server = { cert: read(overlay, 'portcullis-proxy-tls/tls.crt'), key: read(overlay, 'portcullis-proxy-tls/tls.key') };
    const ca = read(overlay, 'portcullis-proxy-ca/ca.crt');

    await expect(handshake(server, { servername: PROXY_HOST, ca })).resolves.toEqual({ clientError: undefined, clientName: undefined });
    await expect(handshake(server, { servername: 'other.example.com', ca })).resolves.toMatchObject({ clientError: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('lets the provisioner (by Service name) and the other replicas (by pod IP, checking CN) through the relay, with mutual TLS', async () => {
    const ca = read(overlay, 'portcullis-proxy-service-tls/ca.crt');
    const replica = { cert: read(overlay, 'portcullis-proxy-service-tls/tls.crt'), key: read(overlay, 'portcullis-proxy-service-tls/tls.key') };
    const provisioner = { cert: read(overlay, 'portcullis-sa-provisioner-service-tls/tls.crt'), key: read(overlay, 'portcullis-sa-provisioner-service-tls/tls.key'), ca: read(overlay, 'portcullis-sa-provisioner-service-tls/ca.crt') };
    // As apps/proxy/src/tunnel/relay.server.ts listens.
    const relay = { ...replica, ca: [ca], requestCert: true, rejectUnauthorized: true };
    // As apps/proxy/src/tunnel/peer-relays.ts dials: pod IPs are in no certificate, the CN says who it is.
    const checkCn = (_host: string, peer: tls.PeerCertificate) => (peer.subject?.CN === 'proxy' ? undefined : new Error('not a proxy'));

    await expect(handshake(relay, { ...provisioner, servername: 'portcullis-proxy-relay' })).resolves.toEqual({ clientError: undefined, clientName: 'sa-provisioner' });
    await expect(handshake(relay, { ...replica, ca, checkServerIdentity: checkCn })).resolves.toEqual({ clientError: undefined, clientName: 'proxy' });
    await expect(handshake(relay, { ...replica, ca })).resolves.toMatchObject({ clientError: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('takes the OIDC client secret, the public host names and the namespace the operator gives', () => {
    expect(chosen.run).toMatchObject({ status: 0, stderr: '' });
    expect(read(chosen.overlay, 'portcullis-identity-oidc/client-secret')).toBe(OIDC_CLIENT_SECRET);
    expect(chosen.run.stdout).not.toContain('to fill');
    expect(chosen.run.stdout).toContain(`Point ${PROXY_HOST}, 203.0.113.10 at`);
    const serving = certificate(chosen.overlay, 'portcullis-proxy-tls/tls.crt');
    expect([serving.checkHost(PROXY_HOST), serving.checkIP('203.0.113.10')]).toEqual([PROXY_HOST, '203.0.113.10']);
    expect(certificate(chosen.overlay, 'portcullis-proxy-service-tls/tls.crt').checkHost('portcullis-proxy-relay.portcullis-eval.svc')).toBe('portcullis-proxy-relay.portcullis-eval.svc');
  });

  it("uses the operator's own proxy certificate, and OIDC_CLIENT_SECRET from the environment", () => {
    expect(own.run).toMatchObject({ status: 0, stderr: '' });
    expect(read(own.overlay, 'portcullis-proxy-tls/tls.crt')).toBe(own.pki.cert);
    expect(read(own.overlay, 'portcullis-proxy-tls/tls.key')).toBe(own.pki.key);
    expect(read(own.overlay, 'portcullis-proxy-ca/ca.crt')).toBe(own.pki.ca);
    expect(read(own.overlay, 'portcullis-identity-oidc/client-secret')).toBe(OIDC_CLIENT_SECRET);
    expect(own.run.stdout).toContain('Point kube.example.org at');
  });

  it('refuses bad arguments and a set that would not work together in one line, writing nothing', async () => {
    const broken = (name: string, damage: (overlay: string) => void) => {
      const target = path.join(workDir, name, 'k8s/overlays/evaluation');
      fs.cpSync(path.join(workDir, 'defaults'), path.join(workDir, name), { recursive: true });
      damage(target);
      return { target, before: snapshot(target) };
    };
    const otherPassword = broken('other-password', (target) => fs.writeFileSync(path.join(target, 'secrets/portcullis-audit-database/url'), 'postgres://portcullis:other@postgres:5432/portcullis'));
    const halfCa = broken('half-ca', (target) => fs.writeFileSync(path.join(target, 'secrets/portcullis-agent-ca/tls.key'), 'REPLACE ME\n'));
    const untouched = broken('other-host', () => undefined);
    // Two as the operator meets them (exit codes included); the rest in this process, which is quicker.
    const inProcess = async (args: string[]): Promise<Run> => {
      const run = { status: null as number | null, stdout: '', stderr: '' };
      run.status = await runK8sSecretsCommand(args, { cwd: root, env: {}, out: (line) => (run.stdout += `${line}\n`), err: (line) => (run.stderr += `${line}\n`) });
      return run;
    };

    const runs = [
      ...(await Promise.all([k8sSecrets([path.join(workDir, 'nowhere')]), k8sSecrets([otherPassword.target])])),
      await inProcess([untouched.target, '--proxy-cert', path.join(workDir, 'cert')]),
      await inProcess([untouched.target, '--proxy-host', 'not a host']),
      await inProcess([untouched.target, '--unknown']),
      await inProcess([halfCa.target]),
      await inProcess([untouched.target, '--proxy-host', 'kube.example.org']),
    ];

    expect(runs.map((run) => run.status)).toEqual([2, 1, 2, 2, 2, 1, 1]);
    for (const run of runs) expect({ stdout: run.stdout, lines: run.stderr.trimEnd().split('\n').length, prefix: run.stderr.slice(0, 13) }).toEqual({ stdout: '', lines: 1, prefix: 'k8s:secrets: ' });
    expect(runs.map((run) => run.stderr.split(' (')[0])).toEqual([
      `k8s:secrets: ${path.join(workDir, 'nowhere', 'secrets')} is not a directory: expects an overlay directory such as k8s/overlays/evaluation`,
      'k8s:secrets: nothing written: portcullis-audit-database/url is not a postgres:// URL with the password in portcullis-postgres/password',
      'k8s:secrets: --proxy-cert, --proxy-key and --proxy-ca go together',
      'k8s:secrets: --proxy-host not a host is not a host name or an IP address',
      expect.stringContaining("Unknown option '--unknown'"),
      'k8s:secrets: nothing written: portcullis-agent-ca/tls.key holds no value but portcullis-agent-ca/tls.crt does; they are one key pair, and a new CA voids every agent it signed: delete them all to make new ones',
      'k8s:secrets: nothing written: portcullis-proxy-tls/tls.crt is not issued for kube.example.org',
    ]);
    for (const { target, before } of [otherPassword, halfCa, untouched]) expect(snapshot(target)).toEqual(before);
  });

  (kubectl && overlayWritten ? it : it.skip)('renders with kubectl kustomize, every generated Secret holding its files as they are', () => {
    const rendered = spawnSync('kubectl', ['kustomize', chosen.overlay], { encoding: 'utf8' });
    expect(rendered.stderr).toBe('');
    expect(rendered.status).toBe(0);
    const secrets = parseAllDocuments(rendered.stdout)
      .map((document) => document.toJS() as { kind: string; metadata: { name: string }; data?: Record<string, string> })
      .filter((object) => object.kind === 'Secret');
    const files = snapshot(chosen.overlay);
    const byName = new Map<string, Record<string, string>>();
    for (const [file, content] of Object.entries(files)) {
      const [, secret, key] = file.split('/');
      byName.set(secret, { ...byName.get(secret), [key]: content });
    }
    for (const [secret, content] of byName) {
      const found = secrets.find((object) => new RegExp(`^${secret}(-[a-z0-9]{10})?$`).test(object.metadata.name));
      const data = Object.fromEntries(Object.entries(found?.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
      expect({ secret, data }).toEqual({ secret, data: content });
    }
  });
});
