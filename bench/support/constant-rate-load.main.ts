// The constant-rate load generator's own process (see constant-rate-load.ts, which forks it): its
// timers must not share an event loop with the bench, whose NATS stand-ins answer the proxy.
// Open loop: request i is due at t0 + i/rate and is sent as soon as the timer loop sees it due,
// whether or not earlier ones were answered; its latency runs from when it was due, so a request
// that waited for a free connection, or for a late timer here, counts its wait (no coordinated
// omission: a stalled server cannot slow the schedule down and hide its own queue).

import { performance } from 'node:perf_hooks';
import { Dispatcher, RoundRobinPool } from 'undici';
import type { ConstantRateMessage, ConstantRateRun, GeneratorReport } from './constant-rate-load';

/** How long to wait for the last answers after the schedule ended before counting them failed. */
const DRAIN_MS = 10_000;

interface Sample {
  latencies: Float64Array;
  answered: number;
  non200: number;
  errors: number;
  firstFailure?: string;
  lastAnsweredAt: number;
  lagSum: number;
  lagMax: number;
}

/**
 * HTTP/1.1 keep-alive over `connections` connections, taken in turn (a connection still busy is
 * skipped; an extra one is opened only while fewer than `connections` exist), so all of them carry
 * load as wrk's do, and none waits behind another's slow answer.
 */
function openPool(run: ConstantRateRun): RoundRobinPool {
  const url = new URL(run.url);
  return new RoundRobinPool(url.origin, {
    connections: run.connections,
    pipelining: 1,
    // Held for the whole run: a connection closed while idle would be re-dialled (a TLS
    // handshake) in the middle of the measurement.
    keepAliveTimeout: 600_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
    connect: url.protocol === 'https:' ? { rejectUnauthorized: false, cert: run.certPem, key: run.keyPem } : undefined,
  });
}

function get(pool: Dispatcher, path: string, done: (status: number, failure?: string) => void): void {
  pool.request({ path, method: 'GET' }).then(
    async ({ statusCode, body }) => {
      const text = await body.text();
      done(statusCode, statusCode === 200 ? undefined : `${statusCode} ${text.slice(0, 200)}`);
    },
    (error: Error) => done(0, error.message),
  );
}

/** `total` requests at `rate`, starting now. */
function schedule(pool: Dispatcher, path: string, rate: number, total: number): Promise<Sample & { startedAt: number }> {
  const sample: Sample = { latencies: new Float64Array(total), answered: 0, non200: 0, errors: 0, lastAnsweredAt: 0, lagSum: 0, lagMax: 0 };
  const interval = 1000 / rate;
  const startedAt = performance.now();
  let sent = 0;
  let finished = 0;
  return new Promise((resolve) => {
    const end = () => resolve({ ...sample, latencies: sample.latencies.subarray(0, sample.answered), startedAt });
    const giveUp = setTimeout(end, (total / rate) * 1000 + DRAIN_MS);
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - startedAt) / interval) + 1);
      for (; sent < due; sent++) {
        const dueAt = startedAt + sent * interval;
        const lag = now - dueAt;
        sample.lagSum += lag;
        if (lag > sample.lagMax) sample.lagMax = lag;
        get(pool, path, (status, failure) => {
          const answeredAt = performance.now();
          if (status === 200) {
            sample.latencies[sample.answered++] = answeredAt - dueAt;
            sample.lastAnsweredAt = answeredAt;
          } else {
            if (status === 0) sample.errors++;
            else sample.non200++;
            sample.firstFailure ??= failure;
          }
          if (++finished === total) {
            clearTimeout(giveUp);
            end();
          }
        });
      }
      // setTimeout's floor is 1 ms: a request is sent at most about a millisecond late (its
      // latency includes that). Spinning on setImmediate would take a core of this 2-core machine.
      if (sent < total) setTimeout(tick, Math.max(0, startedAt + sent * interval - performance.now()));
    };
    tick();
  });
}

function report(run: ConstantRateRun, sample: Sample & { startedAt: number }, cpuUs: number): GeneratorReport {
  const total = Math.round(run.rate * run.seconds);
  return {
    scheduled: total,
    answered: sample.answered,
    non200: sample.non200,
    errors: sample.errors,
    unanswered: total - sample.answered - sample.non200 - sample.errors,
    firstFailure: sample.firstFailure,
    achievedRate: sample.answered ? (sample.answered / (sample.lastAnsweredAt - sample.startedAt)) * 1000 : 0,
    latenciesMs: Array.from(Float64Array.from(sample.latencies).sort()),
    sendLagMs: { mean: sample.lagSum / total, max: sample.lagMax },
    generatorCpuUs: cpuUs,
  };
}

async function main(run: ConstantRateRun): Promise<void> {
  const send = (message: ConstantRateMessage) => (process.send as (message: ConstantRateMessage) => void)(message);
  const pool = openPool(run);
  const path = new URL(run.url).pathname;
  // Every connection opened (as many requests at once), then the rate for a while: connection
  // set-up, the JIT and the peer's caches stay out of the measurement.
  await Promise.all(Array.from({ length: run.connections }, () => new Promise<void>((resolve) => get(pool, path, () => resolve()))));
  if (run.warmupSeconds > 0) await schedule(pool, path, run.rate, Math.round(run.rate * run.warmupSeconds));
  send({ type: 'ready' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  const cpuBefore = process.cpuUsage();
  const sample = await schedule(pool, path, run.rate, Math.round(run.rate * run.seconds));
  const cpu = process.cpuUsage(cpuBefore);
  // The connections stay open until the bench has read what it measures around the run.
  process.once('disconnect', () => void pool.destroy());
  send({ type: 'report', report: report(run, sample, cpu.user + cpu.system) });
}

process.once('message', (run: ConstantRateRun) => void main(run));
