import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { CertificateAndKey, KubeEmulator, KubeObject } from '@portcullis/kube-emulator';

// Shared by the emulator's tests: clients for an identity (token or client certificate), raw HTTPS
// requests, and kubectl with a private KUBECONFIG and cache dir.

export interface Credentials {
  token?: string;
  cert?: CertificateAndKey;
}

export function kubeConfigFor(emu: KubeEmulator, creds: Credentials = { token: emu.adminToken }): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(emu.kubeConfigYaml({ name: 'tester', token: creds.token, clientCertificate: creds.cert }));
  return kc;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test assertions walk arbitrary JSON
  json<T = Record<string, any>>(): T;
}

/** One HTTP/1.1 request with the given identity (no identity: anonymous). */
export function raw(
  emu: KubeEmulator,
  method: string,
  path: string,
  options: { creds?: Credentials; body?: unknown; headers?: Record<string, string | string[]>; contentType?: string } = {},
): Promise<RawResponse> {
  const payload = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string | string[]> = { ...options.headers };
  if (options.creds?.token) headers.authorization = `Bearer ${options.creds.token}`;
  if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${emu.url}${path}`,
      { method, headers, ca: emu.caPem, cert: options.creds?.cert?.certPem, key: options.creds?.cert?.keyPem, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const kubectlPath = (() => {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    try {
      accessSync(join(dir, 'kubectl'), constants.X_OK);
      return join(dir, 'kubectl');
    } catch {
      // not in this PATH entry
    }
  }
  return undefined;
})();

export const hasKubectl = kubectlPath !== undefined;

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A kubectl bound to one kubeconfig with its own cache dir; `cleanup()` removes both. */
export class Kubectl {
  private readonly dir = mkdtempSync(join(tmpdir(), 'kubectl-'));
  private readonly kubeconfig: string;

  constructor(emu: KubeEmulator, creds?: { token?: string; cert?: CertificateAndKey }) {
    this.kubeconfig = emu.writeKubeconfig(
      join(this.dir, 'config'),
      creds ? { name: 'tester', token: creds.token, clientCertificate: creds.cert } : undefined,
    );
  }

  run(args: string[], input?: string, env: Record<string, string> = {}): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const child = execFile(
        kubectlPath!,
        ['--cache-dir', join(this.dir, 'cache'), ...args],
        { env: { PATH: process.env.PATH, HOME: this.dir, KUBECONFIG: this.kubeconfig, ...env }, timeout: 30_000 },
        (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      if (input !== undefined) child.stdin!.end(input);
    });
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `describe` for kubectl tests: skipped, with a console message, when kubectl is not installed. */
export const describeWithKubectl: jest.Describe = hasKubectl
  ? describe
  : (((name: string, fn: jest.EmptyFunction) => {
      console.warn(`kubectl not found on PATH: skipping "${name}"`);
      return describe.skip(name, fn);
    }) as unknown as jest.Describe);

export function pod(name: string, namespace = 'default', extra: Pick<V1Pod, 'spec'> = {}): V1Pod & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: name } },
    spec: extra.spec ?? { containers: [{ name: 'main', image: 'busybox:1.36' }] },
  };
}

/** Waits until `check` holds (polling), for asynchronous effects such as namespace finalization. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
