import { ClusterBackoff } from './cluster-backoff';

describe(ClusterBackoff.name, () => {
  it('doubles the wait of a failing cluster up to the cap and forgets it after a success', () => {
    const sut = new ClusterBackoff(1_000, 5_000);

    expect([sut.failed('a', 0), sut.failed('a', 0), sut.failed('a', 0), sut.failed('a', 0)]).toEqual([1_000, 2_000, 4_000, 5_000]);
    expect(sut.isWaiting('a', 4_999)).toBe(true);
    expect(sut.isWaiting('b', 0)).toBe(false);
    expect(sut.waiting(1_000)).toEqual(['a']);
    expect(sut.nextRetryIn(1_000)).toBe(4_000);

    sut.succeeded('a');

    expect(sut.isWaiting('a', 0)).toBe(false);
    expect(sut.nextRetryIn(0)).toBeNull();
    expect(sut.failed('a', 0)).toBe(1_000);
  });
});
