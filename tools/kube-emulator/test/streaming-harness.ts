import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @peculiar/x509 2 resolves its parsers through tsyringe, which needs the Reflect polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { closeAllPodStreams, handlePodUpgrade, type PodStreamKind, type PodStreamTarget } from '../src/streaming';

/**
 * A stand-in for the emulator's core server, only as much as the streaming tests need: an
 * HTTPS server on 127.0.0.1 that hands pods/{exec,attach,portforward} upgrades to
 * handlePodUpgrade for one fixed pod, answers the pod GET kubectl makes first and the
 * discovery kubectl port-forward needs, and a kubeconfig plus a kubectl runner pointed at it.
 */
export interface StreamingHarness {
  readonly server: string;
  readonly kubeconfigPath: string;
  /** "METHOD path" of every request and upgrade, in arrival order. */
  readonly requests: string[];
  kubectl(args: string[], options?: KubectlOptions): Promise<KubectlResult>;
  /** A long-running kubectl; killed by close(). */
  spawnKubectl(args: string[], options?: KubectlOptions): ChildProcess;
  close(): Promise<void>;
}

export interface KubectlOptions {
  stdin?: string | Buffer;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const UPGRADE_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward)$/;
const POD_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/;

export function kubectlAvailable(): boolean {
  try {
    execFileSync('which', ['kubectl'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function startStreamingHarness(target: PodStreamTarget): Promise<StreamingHarness> {
  const directory = mkdtempSync(join(tmpdir(), 'kube-emulator-streaming-'));
  const requests: string[] = [];
  const children = new Set<ChildProcess>();
  const { certPem, keyPem } = await selfSignedCertificate();

  const server: Server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    answer(req, res, target);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    requests.push(`${req.method} ${req.url} upgrade:${req.headers.upgrade}`);
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const match = UPGRADE_PATH.exec(url.pathname);
    if (!match || match[1] !== target.namespace || match[2] !== target.pod) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    handlePodUpgrade(req, socket, head, match[3] as PodStreamKind, target, url.searchParams);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const kubeconfigPath = join(directory, 'kubeconfig');
  writeFileSync(
    kubeconfigPath,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: emulator',
      '  cluster:',
      `    server: ${address}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: admin',
      '  user:',
      '    token: streaming-harness-token',
      'contexts:',
      '- name: emulator',
      '  context:',
      '    cluster: emulator',
      '    user: admin',
      `    namespace: ${target.namespace}`,
      'current-context: emulator',
      '',
    ].join('\n'),
  );

  const environment = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: directory, KUBECONFIG: kubeconfigPath, NO_PROXY: '127.0.0.1,localhost' };
    return { ...env, ...extra };
  };
  const baseArgs = ['--kubeconfig', kubeconfigPath, '--cache-dir', join(directory, 'cache')];

  const spawnKubectl = (args: string[], options: KubectlOptions = {}): ChildProcess => {
    const child = spawn('kubectl', [...baseArgs, ...args], { env: environment(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    child.on('exit', () => children.delete(child));
    child.stdin?.on('error', () => undefined);
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
    return child;
  };

  const kubectl = (args: string[], options: KubectlOptions = {}): Promise<KubectlResult> =>
    new Promise((resolve) => {
      const child = spawnKubectl(args, { ...options, stdin: options.stdin ?? '' });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
      });
    });

  return {
    server: address,
    kubeconfigPath,
    requests,
    kubectl,
    spawnKubectl,
    async close() {
      for (const child of children) child.kill('SIGKILL');
      closeAllPodStreams();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** A TCP server on 127.0.0.1 that sends back what it receives and half-closes when the client does. */
export async function startEchoServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createTcpServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(req: IncomingMessage, res: ServerResponse, target: PodStreamTarget): void {
  const path = new URL(req.url ?? '/', 'https://127.0.0.1').pathname;
  const pod = POD_PATH.exec(path);
  if (req.method === 'GET' && pod && pod[1] === target.namespace && pod[2] === target.pod) return json(res, 200, podObject(target));
  if (req.method === 'GET' && path === '/version') {
    return json(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.4', goVersion: 'go1.23.6', platform: 'linux/amd64' });
  }
  if (req.method === 'GET' && path === '/api') return json(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
  if (req.method === 'GET' && path === '/apis') return json(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
  if (req.method === 'GET' && path === '/api/v1') {
    const subresource = (name: string, kind: string) => ({ name: `pods/${name}`, singularName: '', namespaced: true, kind, verbs: ['create', 'get'] });
    return json(res, 200, {
      kind: 'APIResourceList',
      groupVersion: 'v1',
      resources: [
        { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
        subresource('attach', 'PodAttachOptions'),
        subresource('exec', 'PodExecOptions'),
        subresource('portforward', 'PodPortForwardOptions'),
      ],
    });
  }
  json(res, 404, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `${path} not found`, reason: 'NotFound', code: 404 });
}

function podObject(target: PodStreamTarget): object {
  const startedAt = new Date(Date.now() - 60_000).toISOString();
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name: target.pod, namespace: target.namespace, uid: '6f1c2a7e-0000-4000-8000-000000000001', resourceVersion: '1', creationTimestamp: startedAt },
    spec: {
      containers: target.containers.map((name) => ({
        name,
        image: 'busybox',
        stdin: true,
        ports: Object.keys(target.ports).map((port) => ({ containerPort: Number(port), protocol: 'TCP' })),
      })),
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: target.containers.map((name) => ({ name, ready: true, started: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: { startedAt } } })),
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function selfSignedCertificate(): Promise<{ certPem: string; keyPem: string }> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex'),
    name: 'CN=127.0.0.1',
    notBefore: new Date(Date.now() - 3600_000),
    notAfter: new Date(Date.now() + 24 * 3600_000),
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
    signingAlgorithm: algorithm,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }])],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END PRIVATE KEY-----\n`;
  return { certPem: certificate.toString('pem'), keyPem };
}
