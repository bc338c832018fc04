// A constant-rate, open-loop load generator (wrk2's model; Debian ships neither wrk2 nor vegeta):
// latency at a fixed rate, measured so that queueing shows. wrk's own pacing (a think time per
// connection) is closed loop: a slow answer delays the next request, so a stall is sampled once,
// not by every request it held up. The generator runs in its own process (constant-rate-load.main.ts)
// on the given node binary.

import { fork } from 'node:child_process';
import path from 'node:path';
import { percentile } from './bench-tools';

export interface ConstantRateRun {
  /** https: (HTTP/1.1 over TLS, the certificate not verified, as wrk) or http:. */
  url: string;
  /** Keep-alive connections, all opened before the run and used in turn. */
  connections: number;
  /** A client certificate to present. */
  certPem?: string;
  keyPem?: string;
  /** Requests per second, and for how long. */
  rate: number;
  seconds: number;
  /** Seconds at the rate before the measured part (not measured). */
  warmupSeconds: number;
}

/** What the generator process reports. */
export interface GeneratorReport {
  scheduled: number;
  /** 200s, the only answers with a latency. */
  answered: number;
  non200: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Neither answered nor failed when the generator stopped waiting (10 s after the schedule). */
  unanswered: number;
  firstFailure?: string;
  /** 200s per second, from the first request's due time to the last answer. */
  achievedRate: number;
  /** Of the 200s, from when each was due to its last byte; sorted. */
  latenciesMs: number[];
  /** How late the generator itself sent requests: inflates every peer's latency alike. */
  sendLagMs: { mean: number; max: number };
  /** The generator's own CPU time over the measured part, microseconds. */
  generatorCpuUs: number;
}

export type ConstantRateMessage = { type: 'ready' } | { type: 'report'; report: GeneratorReport };

export interface ConstantRateResult extends Omit<GeneratorReport, 'latenciesMs'> {
  rate: number;
  seconds: number;
  latencyMs: { p50: number; p99: number; p999: number; max: number };
}

/**
 * Above this mean lag the generator did not keep to its schedule (a few milliseconds: its 1 ms
 * timer alone makes about one). On 2 cores a peer's stall (a GC with parallel helper threads)
 * stalls the generator too, so the lag is no proof of an error, but the figure is suspect.
 */
export const MAX_MEAN_SEND_LAG_MS = 3;

export function failures(result: ConstantRateResult): number {
  return result.non200 + result.errors + result.unanswered;
}

/**
 * Runs `run` in a new generator process on `node`. `around.before` runs once the connections are
 * warm, just before the first measured request is due; `around.after` once the last answer arrived
 * (or the generator gave up), before it closes its connections: between them lies the measured
 * part and nothing else, so they can read the peer's CPU time and counters.
 */
export async function runConstantRate(node: string, run: ConstantRateRun, around: { before?: () => Promise<void> | void; after?: () => Promise<void> | void } = {}): Promise<ConstantRateResult> {
  const child = fork(path.join(__dirname, 'constant-rate-load.main.ts'), [], {
    execPath: node,
    execArgv: ['-r', require.resolve('@swc-node/register')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const next = () =>
      new Promise<ConstantRateMessage>((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`the load generator exited (${code}) before it answered`));
        child.once('exit', onExit);
        child.once('message', (message: ConstantRateMessage) => {
          child.off('exit', onExit);
          resolve(message);
        });
      });
    const ready = next();
    child.send(run);
    await ready;
    await around.before?.();
    const done = next();
    child.send({ type: 'go' });
    const message = await done;
    if (message.type !== 'report') throw new Error(`the load generator said ${message.type}`);
    await around.after?.();
    const { latenciesMs: sorted, ...report } = message.report;
    return {
      ...report,
      rate: run.rate,
      seconds: run.seconds,
      latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), p999: percentile(sorted, 99.9), max: sorted.length ? sorted[sorted.length - 1] : NaN },
    };
  } finally {
    // Disconnecting tells the generator to close its connections and exit.
    if (child.connected) child.disconnect();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
