import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export const workspaceRoot = path.resolve(__dirname, '../../../../..');

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * A service started from its real entry point (apps/<name>/src/main.ts) in a child process,
 * as `npm start` runs it. Its JSON log lines are kept for assertions.
 */
export class ServiceProcess {
  readonly lines: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<ServiceExit>;
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    env: Record<string, string | undefined>,
  ) {
    this.child = spawn(process.execPath, ['-r', '@swc-node/register', `apps/${name}/src/main.ts`], {
      cwd: workspaceRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.lines.push(...chunk.split('\n').filter(Boolean)));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.stderr.push(...chunk.split('\n').filter(Boolean)));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** The URL from the service's `ready` log line, once it has printed it. */
  readyUrl(): string | undefined {
    for (const line of this.lines) {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'ready' && entry.url) return entry.url;
      } catch {
        // not JSON: ignore
      }
    }
    return undefined;
  }

  async stop(): Promise<ServiceExit> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }

  kill(): Promise<ServiceExit> {
    this.child.kill('SIGKILL');
    return this.exited;
  }
}
