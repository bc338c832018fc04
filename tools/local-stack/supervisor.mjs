// Keeps the local stack's processes running the way the kubelet keeps a pod's containers running:
// a child that exits is started again, with the same command and environment, after a delay that
// doubles while it keeps crashing (CrashLoopBackOff); the other children are left alone. Only
// stop() ends them. Plain JavaScript, like local-stack.mjs, so `npm start` can load it before
// anything compiles TypeScript; supervisor.d.mts types it for the tests.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/**
 * The kubelet starts at 10 s and caps at 5 min; someone waiting at a terminal wants the first retry
 * sooner. Like the kubelet, which forgets a container's backoff once it has been quiet for twice the
 * cap, a run that lasted twice the cap starts the schedule over.
 */
export const DEFAULT_BACKOFF = { initialMs: 1_000, maxMs: 30_000, resetAfterMs: 60_000 };

/** Monotonic, so a wall-clock jump neither resets nor stretches a backoff. */
export const systemClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer),
};

// Enough to find a ready line split across chunks, without keeping a chatty child's whole output.
const READY_SCAN_CHARS = 64 * 1024;

/** One child, started again whenever it exits until stop(). */
export class SupervisedProcess {
  restarts = 0;
  #spec;
  #backoff;
  #clock;
  #log;
  #child;
  #runStartedAt = 0;
  #crashesInARow = 0;
  #restartTimer;
  #stopping = false;
  #resolveReady;

  constructor(spec, { backoff, clock, log }) {
    this.#spec = spec;
    this.#backoff = backoff;
    this.#clock = clock;
    this.#log = log;
    this.ready = new Promise((resolve) => (this.#resolveReady = resolve));
    this.#run();
  }

  get name() {
    return this.#spec.name;
  }

  /** The running child's pid; undefined while it waits to be restarted or after stop(). */
  get pid() {
    return this.#child?.pid;
  }

  stop(graceMs) {
    this.#stopping = true;
    if (this.#restartTimer !== undefined) this.#clock.clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    const child = this.#child;
    if (!child) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = this.#clock.setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        this.#clock.clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  #run() {
    const { command, args, cwd, env, logFile, readyLine } = this.#spec;
    // Appending: a restarted child's output follows the crashed one's, so the crash stays readable.
    const out = fs.openSync(logFile, 'a');
    let logOpen = true;
    const closeLog = () => {
      if (logOpen) fs.closeSync(out);
      logOpen = false;
    };
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', out] });
    this.#child = child;
    this.#runStartedAt = this.#clock.now();

    let seen = '';
    let ready = !readyLine;
    if (ready) child.once('spawn', () => this.#becameReady(child, null));
    child.stdout.on('data', (chunk) => {
      fs.writeSync(out, chunk);
      if (ready) return;
      seen = (seen + chunk.toString()).slice(-READY_SCAN_CHARS);
      const match = seen.match(readyLine);
      if (!match) return;
      ready = true;
      seen = '';
      this.#becameReady(child, match);
    });
    child.once('close', closeLog);
    child.once('exit', (code, signal) => this.#exited(child, signal ? `signal ${signal}` : `code ${code}`));
    child.once('error', (error) => {
      // Without a pid the child never ran, and no 'exit' follows.
      if (child.pid !== undefined) return;
      closeLog();
      this.#exited(child, `could not start: ${error.message}`);
    });
  }

  #becameReady(child, match) {
    if (this.#child !== child) return;
    if (this.restarts > 0) {
      const note = this.#spec.restartNote ? `; ${this.#spec.restartNote}` : '';
      this.#log(`${this.name} is back (pid ${child.pid})${note}`);
    }
    this.#resolveReady(match);
  }

  #exited(child, how) {
    if (this.#child !== child) return;
    this.#child = undefined;
    if (this.#stopping) return;
    const { initialMs, maxMs, resetAfterMs } = this.#backoff;
    if (this.#clock.now() - this.#runStartedAt >= resetAfterMs) this.#crashesInARow = 0;
    const delayMs = Math.min(initialMs * 2 ** this.#crashesInARow, maxMs);
    this.#crashesInARow++;
    this.restarts++;
    const logFile = path.relative(this.#spec.cwd ?? process.cwd(), this.#spec.logFile);
    this.#log(`${this.name} exited (${how}); restarting in ${delayMs / 1000} s (restart ${this.restarts}) — log: ${logFile}`);
    this.#restartTimer = this.#clock.setTimeout(() => {
      this.#restartTimer = undefined;
      if (!this.#stopping) this.#run();
    }, delayMs);
  }
}

/** The children of one `npm start`: each restarted on its own, all stopped together. */
export class ProcessSupervisor {
  #processes = [];
  #options;
  #stopped;

  constructor({ backoff = DEFAULT_BACKOFF, clock = systemClock, log = console.log, stopGraceMs = 10_000 } = {}) {
    this.#options = { backoff, clock, log, stopGraceMs };
  }

  start(spec) {
    if (this.#stopped) throw new Error(`cannot start ${spec.name}: the supervisor is stopping`);
    const supervised = new SupervisedProcess(spec, this.#options);
    this.#processes.push(supervised);
    return supervised;
  }

  /** SIGTERM to every child, SIGKILL to those still running after the grace period; nothing restarts. */
  stop() {
    this.#stopped ??= Promise.all([...this.#processes].reverse().map((supervised) => supervised.stop(this.#options.stopGraceMs))).then(() => undefined);
    return this.#stopped;
  }
}
