import { MetricsRegistry } from './metrics';

describe(MetricsRegistry.name, () => {
  it('records a blocked event loop in the event-loop delay histogram', async () => {
    const sut = new MetricsRegistry('test');
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const blockedUntil = Date.now() + 120;
      while (Date.now() < blockedUntil) {
        // Synchronous work the sampler's timer has to wait for, as for a long GC pause.
      }
      await new Promise((resolve) => setTimeout(resolve, 50));

      const text = await sut.registry.metrics();
      const count = Number(/^nodejs_eventloop_delay_seconds_count\{[^}]*\} (\d+)$/m.exec(text)?.[1]);
      const atMost50ms = Number(/^nodejs_eventloop_delay_seconds_bucket\{le="0.05"[^}]*\} (\d+)$/m.exec(text)?.[1]);
      expect(count).toBeGreaterThan(2);
      // The sample taken after the block waited about 100 ms: above the 50 ms bucket.
      expect(atMost50ms).toBeLessThan(count);
    } finally {
      sut.onModuleDestroy();
    }
  });
});
