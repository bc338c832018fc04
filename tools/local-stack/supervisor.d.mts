export interface Backoff {
  /** The delay before the first restart; it doubles with each crash in a row. */
  initialMs: number;
  maxMs: number;
  /** A run at least this long starts the schedule over. */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Backoff;

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(timer: unknown): void;
}

export const systemClock: Clock;

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Receives the child's stdout and stderr, appended across restarts. */
  logFile: string;
  /** A stdout line that means the child is ready; without one it is ready once spawned. */
  readyLine?: RegExp;
  /** Appended to the line that says the child is back after a restart, e.g. what it lost. */
  restartNote?: string;
}

export class SupervisedProcess {
  readonly name: string;
  /** The running child's pid; undefined while it waits to be restarted or after stop(). */
  readonly pid: number | undefined;
  readonly restarts: number;
  /** The first run's (or, if that crashed first, a later run's) match of readyLine; null without one. */
  readonly ready: Promise<RegExpMatchArray | null>;
  stop(graceMs: number): Promise<void>;
}

export interface SupervisorOptions {
  backoff?: Backoff;
  clock?: Clock;
  /** One line per restart and per return. */
  log?: (line: string) => void;
  /** How long a child has after SIGTERM before SIGKILL. */
  stopGraceMs?: number;
}

export class ProcessSupervisor {
  constructor(options?: SupervisorOptions);
  start(spec: ProcessSpec): SupervisedProcess;
  /** SIGTERM to every child, SIGKILL to those still running after the grace period; nothing restarts. */
  stop(): Promise<void>;
}
