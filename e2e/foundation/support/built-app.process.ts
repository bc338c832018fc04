import type { ServiceExit } from '@portcullis/platform/testing';
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const MODULE_TRACE = path.join(__dirname, 'module-trace.cjs');

/**
 * One of a built app's entry points run as the image runs it: `node <script>` in the directory that
 * holds it and its node_modules, with the image's NODE_ENV and NODE_OPTIONS, PATH, and the given
 * variables, nothing inherited (a NODE_PATH or NODE_OPTIONS of the test run would change what
 * resolves). module-trace.cjs records the packages it loads in `traceFile`.
 */
export class BuiltAppProcess {
  readonly lines: string[] = [];
  readonly stderr: string[] = [];
  readonly exited: Promise<ServiceExit>;
  private readonly child: ChildProcess;

  constructor(
    readonly name: string,
    options: { dir: string; script: string; args?: string[]; env: Record<string, string>; traceFile: string },
  ) {
    const env = { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', NODE_OPTIONS: '--enable-source-maps', ...options.env, MODULE_TRACE_FILE: options.traceFile };
    this.child = spawn(process.execPath, ['--require', MODULE_TRACE, options.script, ...(options.args ?? [])], { cwd: options.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

  /** What it printed, for a failure message. */
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
}
