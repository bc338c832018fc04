import { BuiltinShell } from './builtin-shell';
import type { ExecOutcome } from './exec-outcome';
import { InputQueue } from './input-queue';
import type { PodStreamTarget } from './pod-stream-target';
import type { RemoteCommandOptions } from './stream-request';
import { TerminalLineDiscipline } from './terminal-line-discipline';

export interface ExecOutput {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
}

// What a process killed by SIGKILL reports, as when its pod is deleted.
const EXIT_KILLED = 137;

/**
 * One exec or attach, independent of the wire protocol: the process's stdin, its stdout and
 * stderr (merged, with terminal output processing, when the client asked for a tty), and how it
 * ended. exec runs argv in the built-in shell; attach joins the container's main process, which
 * here echoes its stdin like `cat`.
 */
export class ExecSession {
  private readonly stdin: InputQueue | null;
  private readonly terminal: TerminalLineDiscipline | null;
  private readonly killed = new AbortController();
  /** Only exec runs a program; attach joins the main process. */
  private readonly shell: BuiltinShell | null;

  constructor(
    kind: 'exec' | 'attach',
    private readonly options: RemoteCommandOptions,
    target: PodStreamTarget,
    private readonly output: ExecOutput,
  ) {
    this.stdin = options.stdin ? new InputQueue() : null;
    const io = {
      stdin: this.stdin,
      stdout: (data: string | Buffer) => this.writeStdout(data),
      stderr: (data: string | Buffer) => this.writeStderr(data),
    };
    this.shell = kind === 'exec' ? new BuiltinShell(target, io, options.tty, this.killed.signal) : null;
    this.terminal =
      this.stdin && options.tty
        ? new TerminalLineDiscipline(
            this.stdin,
            (echo) => this.options.stdout && this.output.stdout(echo),
            // On attach, ^C would kill the container's main process; it is left running instead.
            () => this.shell?.interrupt(),
          )
        : null;
  }

  receiveStdin(data: Buffer): void {
    if (this.terminal) this.terminal.receive(data);
    else this.stdin?.push(data);
  }

  endStdin(): void {
    if (this.terminal) this.terminal.end();
    else this.stdin?.end();
  }

  /** Ends the process as the runtime would: the client went away, or the pod is going. */
  kill(): void {
    this.killed.abort();
  }

  async run(): Promise<ExecOutcome> {
    try {
      const code = this.shell ? await this.shell.exec(this.options.command) : await this.attach();
      return { kind: 'exited', code: this.killed.signal.aborted ? EXIT_KILLED : code };
    } catch (err) {
      return { kind: 'failed', message: err instanceof Error ? err.message : String(err) };
    }
  }

  private async attach(): Promise<number> {
    const signal = this.killed.signal;
    if (!this.stdin) {
      // Nothing to say to the main process: stay attached until the session ends.
      await new Promise((resolve) => (signal.aborted ? resolve(undefined) : signal.addEventListener('abort', resolve, { once: true })));
      return 0;
    }
    for (let chunk = await this.stdin.read(signal); chunk; chunk = await this.stdin.read(signal)) this.writeStdout(chunk);
    return 0;
  }

  private writeStdout(data: string | Buffer): void {
    if (!this.options.stdout || this.killed.signal.aborted) return;
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    this.output.stdout(this.options.tty ? TerminalLineDiscipline.toTerminalOutput(bytes) : bytes);
  }

  private writeStderr(data: string | Buffer): void {
    // A terminal has one output: what a process writes to stderr shows up with stdout.
    if (this.options.tty) return this.writeStdout(data);
    if (!this.options.stderr || this.killed.signal.aborted) return;
    this.output.stderr(typeof data === 'string' ? Buffer.from(data) : data);
  }
}
