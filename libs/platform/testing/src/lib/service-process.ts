import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export const workspaceRoot = path.resolve(__dirname, '../../../../..');

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** How to run node for a service other than from its sources, e.g. a built app as its image does. */
export interface ServiceLaunch {
  /** node's own flags, then the script and its arguments. */
  args: string[];
  cwd: string;
  /** Start from an empty environment rather than the test run's (whose NODE_OPTIONS or NODE_PATH would change what loads). */
  isolatedEnv?: boolean;
}

/**
 * A service started from its real entry point (apps/<name>/src/main.ts) in a child process,
 * as `npm start` runs it, or as `launch` says. Its JSON log lines are kept for assertions.
 */
export class ServiceProcess {
  readonly lines: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<ServiceExit>;
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    env: Record<string, string | undefined>,
    launch: ServiceLaunch = { args: ['-r', '@swc-node/register', `apps/${name}/src/main.ts`], cwd: workspaceRoot },
  ) {
    this.child = spawn(process.execPath, launch.args, {
      cwd: launch.cwd,
      env: launch.isolatedEnv ? env : { ...process.env, ...env },
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

  /** Its last lines, for a failure message. */
  output(): string {
    return [...this.lines, ...this.stderr].slice(-20).join('\n');
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
