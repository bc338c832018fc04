import { Backoff } from './backoff';

describe(Backoff.name, () => {
  it('doubles the range from the base up to the cap', () => {
    const sut = new Backoff(500, 30_000, () => 0.999_999);

    const ceilings = Array.from({ length: 9 }, () => sut.next() + 1);

    expect(ceilings).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('draws each delay uniformly below the ceiling (full jitter)', () => {
    const draws = [0, 0.5, 0.25];
    const sut = new Backoff(1_000, 60_000, () => draws.shift() ?? 0);

    expect([sut.next(), sut.next(), sut.next()]).toEqual([0, 1_000, 1_000]);
  });

  it('starts again from the base after a reset', () => {
    const sut = new Backoff(100, 10_000, () => 0.999_999);
    sut.next();
    sut.next();
    sut.next();

    sut.reset();

    expect(sut.next()).toBe(99);
  });
});
