// What a benchmark sees inside a Node.js process: runtime-stats.preload.cjs loaded into it (GC
// pauses, event-loop delay, memory, read on SIGUSR2), and a service's own Prometheus histogram
// (its /metrics), to check that what it exports agrees.

import { waitFor } from '@portcullis/platform/testing';
import fs from 'node:fs';
import path from 'node:path';
import { getText } from './bench-tools';

export interface GcCounter {
  count: number;
  totalMs: number;
  /** The longest pause. */
  maxMs: number;
}

export interface RuntimeStats {
  pid: number;
  /** Since the previous reading; byKind: minor, major, incremental, weakcb. */
  gc: GcCounter & { byKind: Record<string, GcCounter> };
  /** How late a 10 ms timer ran, since the previous reading. */
  eventLoopDelayMs: { samples: number; p50: number; p99: number; max: number; samplesLaterThan10Ms: number };
  /** At the reading. */
  memory: NodeJS.MemoryUsage;
}

/** The preload, its file, and how to read it: pass `nodeArgs` and `env` to the node process. */
export class RuntimeStatsProbe {
  readonly nodeArgs = ['-r', path.join(__dirname, 'runtime-stats.preload.cjs')];
  readonly env: NodeJS.ProcessEnv;

  constructor(private readonly file: string) {
    this.env = { BENCH_RUNTIME_STATS_FILE: file };
  }

  /** The counters of process `pid` since the previous reading (which this one starts afresh). */
  async read(pid: number): Promise<RuntimeStats> {
    fs.rmSync(this.file, { force: true });
    process.kill(pid, 'SIGUSR2');
    const text = await waitFor(() => (fs.existsSync(this.file) ? fs.readFileSync(this.file, 'utf8') : undefined), `the runtime stats of process ${pid}`, 10_000, 5);
    return JSON.parse(text) as RuntimeStats;
  }
}

/** Cumulative counts of a Prometheus histogram by upper bound in seconds (+Inf included), summed over its label sets. */
export type HistogramBuckets = Map<number, number>;

export async function scrapeHistogram(metricsUrl: string, name: string): Promise<HistogramBuckets> {
  const text = await getText(metricsUrl);
  const buckets: HistogramBuckets = new Map();
  for (const match of text.matchAll(new RegExp(`^${name}_bucket\\{([^}]*)\\} (\\S+)$`, 'gm'))) {
    const le = /le="([^"]+)"/.exec(match[1])?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(match[2]));
  }
  return buckets;
}

/** What was observed between two scrapes. */
export function bucketsBetween(before: HistogramBuckets, after: HistogramBuckets): HistogramBuckets {
  return new Map([...after].map(([bound, count]) => [bound, count - (before.get(bound) ?? 0)]));
}

export function histogramCount(buckets: HistogramBuckets): number {
  return buckets.get(Infinity) ?? 0;
}

/** Observations above `bound` (a bucket's upper bound, seconds). */
export function countAbove(buckets: HistogramBuckets, bound: number): number {
  return histogramCount(buckets) - (buckets.get(bound) ?? NaN);
}

