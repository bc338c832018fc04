// Loaded with `node -r` into the Node.js processes a benchmark measures (the proxy and the bare
// node relay alike, so what it costs, a 10 ms timer and a callback per GC, they pay alike): what
// the tail of a run is made of, seen from inside, which /proc cannot show. On SIGUSR2 it writes
// its counters since the last SIGUSR2 (GC pauses, event-loop delay) and process.memoryUsage() as
// JSON to $BENCH_RUNTIME_STATS_FILE (written aside, then renamed into place), then starts afresh.
// Plain CommonJS: it runs before, and beside, the built application, which it leaves alone but
// for one thing (see newListener below).
'use strict';

const fs = require('node:fs');
const { constants, monitorEventLoopDelay, PerformanceObserver } = require('node:perf_hooks');

const file = process.env.BENCH_RUNTIME_STATS_FILE;
if (file) {
  // monitorEventLoopDelay records the time between its timer's runs: the resolution plus how late it ran.
  const RESOLUTION_MS = 10;
  const KINDS = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  let gc;
  const resetGc = () => (gc = { count: 0, totalMs: 0, maxMs: 0, byKind: {} });
  resetGc();
  const record = (entry) => {
    const kind = KINDS[entry.detail?.kind] ?? String(entry.detail?.kind);
    const byKind = (gc.byKind[kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
    for (const counter of [gc, byKind]) {
      counter.count++;
      counter.totalMs += entry.duration;
      counter.maxMs = Math.max(counter.maxMs, entry.duration);
    }
  };
  const observer = new PerformanceObserver((list) => list.getEntries().forEach(record));
  observer.observe({ entryTypes: ['gc'] });
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  const lateMs = (nanoseconds) => Math.max(0, nanoseconds / 1e6 - RESOLUTION_MS);
  // The histogram answers "the value at percentile p", not "how many above x": search the p where
  // the value crosses x. HdrHistogram takes the value of rank round(p% of count), hence the + 0.5.
  const samplesLaterThan = (ms) => {
    const threshold = (ms + RESOLUTION_MS) * 1e6;
    if (delay.count === 0 || delay.max <= threshold) return 0;
    let below = 0;
    let above = 100;
    for (let step = 0; step < 40; step++) {
      const middle = (below + above) / 2;
      if (delay.percentile(middle) > threshold) above = middle;
      else below = middle;
    }
    return Math.round((delay.count * (100 - above)) / 100 + 0.5);
  };

  const dump = () => {
    observer.takeRecords().forEach(record);
    const stats = {
      pid: process.pid,
      gc,
      eventLoopDelayMs: { samples: delay.count, p50: lateMs(delay.percentile(50)), p99: lateMs(delay.percentile(99)), max: lateMs(delay.max), samplesLaterThan10Ms: samplesLaterThan(10) },
      memory: process.memoryUsage(),
    };
    fs.writeFileSync(`${file}.partial`, JSON.stringify(stats));
    fs.renameSync(`${file}.partial`, file);
    delay.reset();
    resetGc();
  };
  process.on('SIGUSR2', dump);
  // Nest's enableShutdownHooks() (platform/service's bootstrap) closes the application on SIGUSR2,
  // as on every signal Nest knows: here SIGUSR2 means "dump", so any other listener is removed
  // as soon as it is added. Nothing else of the application's signal handling changes.
  process.on('newListener', (event, listener) => {
    if (event === 'SIGUSR2' && listener !== dump) setImmediate(() => process.removeListener('SIGUSR2', listener));
  });
}
