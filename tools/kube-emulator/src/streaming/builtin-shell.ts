import { posix } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { InputQueue } from './input-queue';
import { PodFilesystem, PROGRAM_DIRECTORIES } from './pod-filesystem';
import { parseShell, ShellSyntaxError, type Command, type CommandList, type Redirect, type Word } from './shell-syntax';

export interface ShellIo {
  readonly stdin: InputQueue | null;
  stdout(data: string | Buffer): void;
  stderr(data: string | Buffer): void;
}

export interface ShellPod {
  readonly namespace: string;
  readonly pod: string;
  readonly env: Record<string, string>;
}

const EXIT_INTERRUPTED = 130;
const EXIT_NOT_FOUND = 127;
// A container runtime that cannot start the requested executable reports 126.
const EXIT_CANNOT_EXECUTE = 126;

/** `exit` unwinds to the nearest shell (or subshell) and ends it with this status. */
class ShellExit {
  constructor(readonly status: number) {}
}

/** ^C or the pod going away: unwinds every non-interactive shell. */
class Interrupted {}

interface ShellContext {
  io: ShellIo;
  variables: Map<string, string>;
  /** $0, $1, … */
  positional: string[];
  status: number;
  cwd: string;
}

type Program = (args: string[], context: ShellContext) => Promise<number>;

/**
 * What runs "inside" an emulated container: the handful of programs tests and people use
 * through `kubectl exec` (echo, cat, env, sleep, exit, true/false, sh -c, hostname, ls, printf,
 * pwd, clear), and an interactive `sh` reading stdin, so a terminal (Lens runs
 * `sh -c "clear; (bash || ash || sh)"`) gets a usable prompt.
 */
export class BuiltinShell {
  private readonly filesystem: PodFilesystem;
  private readonly programs: Record<string, Program>;
  private readonly builtins: Record<string, Program>;
  private foreground = new AbortController();
  private signal: AbortSignal;

  constructor(
    private readonly pod: ShellPod,
    private readonly io: ShellIo,
    private readonly tty: boolean,
    private readonly killed: AbortSignal,
  ) {
    this.signal = AbortSignal.any([killed, this.foreground.signal]);
    const shell: Program = (args, context) => this.sh(args, context);
    this.programs = {
      cat: (args, context) => this.cat(args, context),
      clear: async (_args, context) => {
        context.io.stdout('\x1b[H\x1b[2J');
        return 0;
      },
      echo: async (args, context) => echo(args, context),
      env: (args, context) => this.env(args, context),
      exit: async (args, context) => exit(args, context),
      false: async () => 1,
      hostname: async (_args, context) => {
        context.io.stdout(`${this.pod.pod}\n`);
        return 0;
      },
      ls: async (args, context) => this.ls(args, context),
      printf: async (args, context) => printf(args, context),
      pwd: async (_args, context) => {
        context.io.stdout(`${context.cwd}\n`);
        return 0;
      },
      sleep: (args, context) => this.sleep(args, context),
      true: async () => 0,
      sh: shell,
      ash: shell,
      bash: shell,
    };
    this.builtins = {
      exit: async (args, context) => exit(args, context),
      cd: async (args, context) => this.cd(args, context),
      export: async (args, context) => exportVariables(args, context),
      ':': async () => 0,
    };
    this.filesystem = new PodFilesystem(pod.namespace, pod.pod, Object.keys(this.programs));
  }

  /** ^C typed on the terminal: stops the foreground command. */
  interrupt(): void {
    this.foreground.abort();
  }

  /** Runs argv the way a container runtime execs it: no shell unless argv names one. */
  async exec(argv: string[]): Promise<number> {
    const context: ShellContext = {
      io: this.io,
      variables: new Map([['HOSTNAME', this.pod.pod], ...Object.entries(this.pod.env)]),
      positional: [argv[0] ?? ''],
      status: 0,
      cwd: '/',
    };
    const program = this.resolve(argv[0] ?? '');
    if (!program) {
      const reason = argv[0]?.includes('/')
        ? `stat ${argv[0]}: no such file or directory`
        : 'executable file not found in $PATH';
      this.io.stderr(`OCI runtime exec failed: exec failed: unable to start container process: exec: "${argv[0]}": ${reason}: unknown\r\n`);
      return EXIT_CANNOT_EXECUTE;
    }
    try {
      return await program(argv.slice(1), context);
    } catch (err) {
      if (err instanceof ShellExit) return err.status;
      if (err instanceof Interrupted) return EXIT_INTERRUPTED;
      throw err;
    }
  }

  private resolve(name: string): Program | undefined {
    if (!name.includes('/')) return Object.hasOwn(this.programs, name) ? this.programs[name] : undefined;
    const base = posix.basename(name);
    return PROGRAM_DIRECTORIES.includes(posix.dirname(name)) && Object.hasOwn(this.programs, base) ? this.programs[base] : undefined;
  }

  // --- the shell -------------------------------------------------------------------------

  private async sh(args: string[], parent: ShellContext): Promise<number> {
    const context: ShellContext = { ...parent, variables: new Map(parent.variables), positional: ['sh'] };
    let flags = '';
    while (args[0]?.startsWith('-') && args[0].length > 1) {
      flags += args[0].slice(1);
      args = args.slice(1);
    }
    if (flags.includes('c')) {
      if (args.length === 0) {
        context.io.stderr('sh: -c requires an argument\n');
        return 2;
      }
      context.positional = [args[1] ?? 'sh', ...args.slice(2)];
      return this.runScript(args[0], context);
    }
    if (args.length > 0) {
      context.io.stderr(`sh: can't open '${args[0]}': No such file or directory\n`);
      return 2;
    }
    return this.interactive(context);
  }

  private async runScript(source: string, context: ShellContext): Promise<number> {
    const list = this.parse(source, context);
    if (!list) return 2;
    try {
      return await this.runList(list, context);
    } catch (err) {
      if (err instanceof ShellExit) return err.status;
      throw err;
    }
  }

  /** Reads commands from stdin until it ends or `exit`; prompts only on a terminal. */
  private async interactive(context: ShellContext): Promise<number> {
    const stdin = context.io.stdin;
    if (!stdin) return 0;
    for (;;) {
      if (this.tty) context.io.stderr(`${context.cwd} # `);
      const line = await stdin.readLine(this.signal);
      if (line === null) {
        if (this.killed.aborted || !this.signal.aborted) return context.status;
        // ^C at the prompt: a fresh prompt, as a real shell gives.
        this.resetForeground();
        continue;
      }
      const list = this.parse(line, context);
      if (!list) {
        context.status = 2;
        continue;
      }
      try {
        context.status = await this.runList(list, context);
      } catch (err) {
        if (err instanceof ShellExit) return err.status;
        if (!(err instanceof Interrupted) || this.killed.aborted) throw err;
        this.resetForeground();
        context.status = EXIT_INTERRUPTED;
      }
    }
  }

  private parse(source: string, context: ShellContext): CommandList | null {
    try {
      return parseShell(source);
    } catch (err) {
      if (!(err instanceof ShellSyntaxError)) throw err;
      context.io.stderr(`sh: ${err.message}\n`);
      return null;
    }
  }

  private resetForeground(): void {
    this.foreground = new AbortController();
    this.signal = AbortSignal.any([this.killed, this.foreground.signal]);
  }

  private async runList(list: CommandList, context: ShellContext): Promise<number> {
    for (const andOr of list) {
      context.status = await this.runCommand(andOr.first, context);
      for (const { operator, command } of andOr.rest) {
        if (this.signal.aborted) break;
        if ((operator === '&&') === (context.status === 0)) context.status = await this.runCommand(command, context);
      }
      if (this.signal.aborted) throw new Interrupted();
    }
    return context.status;
  }

  private async runCommand(command: Command, context: ShellContext): Promise<number> {
    const io = this.redirect(command.redirects, context);
    if (typeof io === 'number') return io;
    if (command.kind === 'subshell') {
      const child: ShellContext = { ...context, io, variables: new Map(context.variables) };
      try {
        return await this.runList(command.body, child);
      } catch (err) {
        if (err instanceof ShellExit) return err.status;
        throw err;
      }
    }

    const words = command.words.map((word) => this.expand(word, context)).filter((word): word is string => word !== null);
    const assignments = new Map<string, string>();
    while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0])) {
      const [assignment] = words.splice(0, 1);
      const equals = assignment.indexOf('=');
      assignments.set(assignment.slice(0, equals), assignment.slice(equals + 1));
    }
    if (words.length === 0) {
      for (const [name, value] of assignments) context.variables.set(name, value);
      return 0;
    }
    const [name, ...args] = words;
    const program = Object.hasOwn(this.builtins, name) ? this.builtins[name] : this.resolve(name);
    if (!program) {
      io.stderr(`sh: ${name}: not found\n`);
      return EXIT_NOT_FOUND;
    }
    const variables = assignments.size > 0 ? new Map([...context.variables, ...assignments]) : context.variables;
    const target: ShellContext = io === context.io && variables === context.variables ? context : { ...context, io, variables };
    const status = await program(args, target);
    // `cd` and `export` change the shell they run in, not a copy.
    context.cwd = target.cwd;
    return status;
  }

  private expand(word: Word, context: ShellContext): string | null {
    let text = '';
    let onlyUnquotedExpansions = true;
    for (const part of word) {
      if (part.kind === 'text') text += part.value;
      else text += this.variable(part.name, context);
      if (part.kind === 'text' || part.quoted) onlyUnquotedExpansions = false;
    }
    // An unquoted expansion that comes out empty is no argument at all.
    return text === '' && onlyUnquotedExpansions ? null : text;
  }

  private variable(name: string, context: ShellContext): string {
    if (name === '?') return String(context.status);
    if (name === '$') return '1';
    if (name === '#') return String(Math.max(0, context.positional.length - 1));
    if (/^\d$/.test(name)) return context.positional[Number(name)] ?? '';
    return context.variables.get(name) ?? '';
  }

  /** The io a command runs with after its redirections, or the status of a failed one. */
  private redirect(redirects: Redirect[], context: ShellContext): ShellIo | number {
    let { stdin, stdout, stderr } = context.io;
    const discard = (): void => undefined;
    for (const redirect of redirects) {
      const target = this.expand(redirect.target, context) ?? '';
      if (redirect.operator === '>&' || redirect.operator === '<&') {
        const source = target === '1' ? stdout : target === '2' ? stderr : null;
        if (!source || redirect.fd === 0) {
          context.io.stderr(`sh: ${target}: bad file descriptor\n`);
          return 1;
        }
        if (redirect.fd === 1) stdout = source;
        else if (redirect.fd === 2) stderr = source;
        continue;
      }
      const path = this.filesystem.resolve(context.cwd, target);
      if (redirect.operator === '<') {
        const content = path === '/dev/null' ? '' : this.filesystem.readFile(path);
        if (content === undefined) {
          context.io.stderr(`sh: can't open '${target}': No such file or directory\n`);
          return 1;
        }
        const input = new InputQueue();
        input.push(Buffer.from(content));
        input.end();
        stdin = input;
        continue;
      }
      if (path !== '/dev/null') {
        context.io.stderr(`sh: can't create ${target}: Read-only file system\n`);
        return 1;
      }
      if (redirect.fd === 1) stdout = discard;
      else if (redirect.fd === 2) stderr = discard;
    }
    return { stdin, stdout, stderr };
  }

  // --- programs that need the pod or the session --------------------------------------

  private async cat(args: string[], context: ShellContext): Promise<number> {
    let status = 0;
    for (const name of args.length > 0 ? args : ['-']) {
      if (name === '-') {
        const stdin = context.io.stdin;
        for (let chunk = await stdin?.read(this.signal); chunk; chunk = await stdin?.read(this.signal)) context.io.stdout(chunk);
        if (this.signal.aborted) return EXIT_INTERRUPTED;
        continue;
      }
      const path = this.filesystem.resolve(context.cwd, name);
      const content = this.filesystem.readFile(path);
      if (content !== undefined) context.io.stdout(content);
      else if (this.filesystem.list(path)) {
        context.io.stderr(`cat: read error: Is a directory\n`);
        status = 1;
      } else if (path !== '/dev/null') {
        context.io.stderr(`cat: can't open '${name}': No such file or directory\n`);
        status = 1;
      }
    }
    return status;
  }

  private async env(args: string[], context: ShellContext): Promise<number> {
    const variables = new Map(context.variables);
    while (args.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(args[0])) {
      const equals = args[0].indexOf('=');
      variables.set(args[0].slice(0, equals), args[0].slice(equals + 1));
      args = args.slice(1);
    }
    if (args.length === 0) {
      context.io.stdout([...variables].map(([name, value]) => `${name}=${value}\n`).join(''));
      return 0;
    }
    const program = this.resolve(args[0]);
    if (!program) {
      context.io.stderr(`env: can't execute '${args[0]}': No such file or directory\n`);
      return EXIT_NOT_FOUND;
    }
    return program(args.slice(1), { ...context, variables });
  }

  private async ls(args: string[], context: ShellContext): Promise<number> {
    const paths = args.filter((arg) => !arg.startsWith('-'));
    let status = 0;
    const sections: string[] = [];
    for (const name of paths.length > 0 ? paths : ['.']) {
      const path = this.filesystem.resolve(context.cwd, name);
      const entries = this.filesystem.list(path);
      if (entries) {
        const listing = entries.map((entry) => `${entry}\n`).join('');
        sections.push(paths.length > 1 ? `${name}:\n${listing}` : listing);
      } else if (this.filesystem.exists(path)) {
        sections.push(`${name}\n`);
      } else {
        context.io.stderr(`ls: ${name}: No such file or directory\n`);
        status = 1;
      }
    }
    context.io.stdout(sections.join(paths.length > 1 ? '\n' : ''));
    return status;
  }

  private async cd(args: string[], context: ShellContext): Promise<number> {
    const path = this.filesystem.resolve(context.cwd, args[0] ?? '/root');
    if (!this.filesystem.list(path)) {
      context.io.stderr(`sh: cd: can't cd to ${args[0]}: No such file or directory\n`);
      return 2;
    }
    context.cwd = path;
    return 0;
  }

  private async sleep(args: string[], context: ShellContext): Promise<number> {
    const units: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };
    let seconds = 0;
    for (const arg of args) {
      const match = /^(\d+(?:\.\d*)?|\.\d+)([smhd]?)$/.exec(arg);
      if (!match) {
        context.io.stderr(`sleep: invalid number '${arg}'\n`);
        return 1;
      }
      seconds += Number(match[1]) * units[match[2]];
    }
    if (args.length === 0) {
      context.io.stderr('sleep: missing operand\n');
      return 1;
    }
    try {
      await delay(seconds * 1000, undefined, { signal: this.signal });
      return 0;
    } catch {
      return EXIT_INTERRUPTED;
    }
  }
}

// --- programs that need only their arguments ----------------------------------------

function exit(args: string[], context: ShellContext): never {
  const status = args.length > 0 ? Number.parseInt(args[0], 10) : context.status;
  throw new ShellExit(Number.isNaN(status) ? 2 : status & 0xff);
}

function exportVariables(args: string[], context: ShellContext): number {
  for (const arg of args) {
    const equals = arg.indexOf('=');
    if (equals > 0) context.variables.set(arg.slice(0, equals), arg.slice(equals + 1));
  }
  return 0;
}

function echo(args: string[], context: ShellContext): number {
  let newline = true;
  let escapes = false;
  while (args.length > 0 && /^-[neE]+$/.test(args[0])) {
    for (const flag of args[0].slice(1)) {
      if (flag === 'n') newline = false;
      else escapes = flag === 'e';
    }
    args = args.slice(1);
  }
  let text = args.join(' ');
  if (escapes) {
    const stop = text.indexOf('\\c');
    if (stop >= 0) {
      text = text.slice(0, stop);
      newline = false;
    }
    text = unescape(text);
  }
  context.io.stdout(newline ? `${text}\n` : text);
  return 0;
}

function printf(args: string[], context: ShellContext): number {
  if (args.length === 0) {
    context.io.stderr('printf: usage: printf FORMAT [ARGUMENT]...\n');
    return 1;
  }
  const [format, ...values] = args;
  let output = '';
  let status = 0;
  let next = 0;
  // The format is reused while arguments remain, as POSIX printf does.
  do {
    const start = next;
    output += unescape(format).replace(/%([-0+ ]*)(\d*)(?:\.(\d+))?([sdiuxXoc%])/g, (_match, flags: string, width: string, precision: string | undefined, conversion: string) => {
      if (conversion === '%') return '%';
      const value = values[next++] ?? '';
      let text: string;
      if (conversion === 's') text = precision === undefined ? value : value.slice(0, Number(precision));
      else if (conversion === 'c') text = value.slice(0, 1);
      else {
        const number = value === '' ? 0 : Number(value);
        if (!Number.isInteger(number)) {
          context.io.stderr(`printf: invalid number '${value}'\n`);
          status = 1;
        }
        const integer = Number.isInteger(number) ? number : 0;
        const radix = conversion === 'x' || conversion === 'X' ? 16 : conversion === 'o' ? 8 : 10;
        text = Math.abs(integer).toString(radix);
        if (conversion === 'X') text = text.toUpperCase();
        if (integer < 0) text = `-${text}`;
        else if (flags.includes('+')) text = `+${text}`;
      }
      const size = Number(width || 0);
      if (flags.includes('-')) return text.padEnd(size);
      return flags.includes('0') && conversion !== 's' ? text.padStart(size, '0') : text.padStart(size);
    });
    if (next === start) break;
  } while (next < values.length);
  context.io.stdout(output);
  return status;
}

function unescape(text: string): string {
  const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', e: '\x1b', '\\': '\\', '"': '"', "'": "'" };
  return text.replace(/\\(0[0-7]{0,3}|.)/g, (match, code: string) => {
    if (code.startsWith('0')) return String.fromCharCode(Number.parseInt(code, 8) || 0);
    return escapes[code] ?? match;
  });
}
