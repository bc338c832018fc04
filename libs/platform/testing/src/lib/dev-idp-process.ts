import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.mjs';
import { workspaceRoot } from './service-process';

/**
 * The development OpenID Provider (tools/dev-idp) in a child process, configured from YAML.
 * `restart()` keeps the port, and so the issuer URL, like an IdP coming back.
 */
export class DevIdpProcess {
  private child?: ChildProcess;
  private output = '';

  private constructor(
    readonly port: number,
    private readonly configFile: string,
  ) {}

  static async start(configYaml: string, port?: number): Promise<DevIdpProcess> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-idp-'));
    const configFile = path.join(dir, 'idp.yaml');
    fs.writeFileSync(configFile, configYaml);
    const idp = new DevIdpProcess(port ?? (await freePort()), configFile);
    await idp.launch();
    return idp;
  }

  get issuer(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async reconfigure(configYaml: string): Promise<void> {
    await this.halt();
    fs.writeFileSync(this.configFile, configYaml);
    await this.launch();
  }

  private launch(): Promise<void> {
    this.output = '';
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'tools/dev-idp/src/main.ts', '--port', String(this.port), '--config', this.configFile], {
      cwd: workspaceRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`dev IdP did not become ready: ${this.output}`)), 30_000);
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString();
        if (/^ready http/m.test(this.output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`dev IdP exited with ${code}: ${this.output}`));
      });
    });
  }

  async stop(): Promise<void> {
    await this.halt();
    fs.rmSync(path.dirname(this.configFile), { recursive: true, force: true });
  }

  private async halt(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.removeAllListeners('exit');
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    });
  }
}
