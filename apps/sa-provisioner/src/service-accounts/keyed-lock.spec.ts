import { KeyedLock, SingleFlight } from './keyed-lock';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe(KeyedLock.name, () => {
  it('runs work for one key one at a time, in order, even after a failure', async () => {
    const sut = new KeyedLock();
    const order: string[] = [];
    const gate = deferred();

    const first = sut.run('a', async () => {
      order.push('first starts');
      await gate.promise;
      order.push('first ends');
      throw new Error('first failed');
    });
    const second = sut.run('a', async () => {
      order.push('second runs');
      return 2;
    });
    const other = sut.run('b', async () => {
      order.push('other key runs');
      return 3;
    });
    await other;
    gate.resolve();

    await expect(first).rejects.toThrow('first failed');
    await expect(second).resolves.toBe(2);
    expect(order).toEqual(['first starts', 'other key runs', 'first ends', 'second runs']);
  });
});

describe(SingleFlight.name, () => {
  it('gives concurrent callers of one key the same outcome from one call', async () => {
    const sut = new SingleFlight<number>();
    const gate = deferred<number>();
    let calls = 0;
    const work = () => {
      calls++;
      return gate.promise;
    };

    const both = Promise.all([sut.run('k', work), sut.run('k', work)]);
    gate.resolve(7);

    await expect(both).resolves.toEqual([7, 7]);
    expect(calls).toBe(1);
    await expect(sut.run('k', async () => 8)).resolves.toBe(8);
  });
});
