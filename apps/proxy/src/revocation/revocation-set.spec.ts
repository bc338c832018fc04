import { RevocationSet } from './revocation-set';

describe(RevocationSet.name, () => {
  const now = Date.parse('2030-01-01T00:00:00Z');

  it('holds a revoked id until its credential expires, whatever its case', () => {
    const sut = new RevocationSet();

    expect(sut.add('6F1C1B0E-6F0A-4E5D-9B8A-0C1D2E3F4A5B', now + 60_000, now)).toBe(true);

    expect(sut.has('6f1c1b0e-6f0a-4e5d-9b8a-0c1d2e3f4a5b')).toBe(true);
    expect(sut.prune(now + 59_999)).toBe(0);
    expect(sut.prune(now + 60_000)).toBe(1);
    expect(sut.has('6f1c1b0e-6f0a-4e5d-9b8a-0c1d2e3f4a5b')).toBe(false);
  });

  it('skips a revocation of an already expired credential', () => {
    const sut = new RevocationSet();

    expect(sut.add('a', now - 1, now)).toBe(false);
    expect(sut.size).toBe(0);
  });

  it('keeps the later expiry when an id is revoked twice', () => {
    const sut = new RevocationSet();
    sut.add('a', now + 10_000, now);
    sut.add('a', now + 5_000, now);

    sut.prune(now + 6_000);

    expect(sut.has('a')).toBe(true);
  });
});
