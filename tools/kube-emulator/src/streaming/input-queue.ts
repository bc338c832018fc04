/**
 * A process's stdin: bytes arrive from the client whenever they like, and the built-in commands
 * read them either as they come (`cat`) or a line at a time (an interactive `sh`).
 */
export class InputQueue {
  private readonly chunks: Buffer[] = [];
  private ended = false;
  private readonly waiters = new Set<() => void>();

  push(chunk: Buffer): void {
    if (this.ended || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  /** The next chunk, or null at end of input or once `signal` is aborted. */
  async read(signal: AbortSignal): Promise<Buffer | null> {
    while (this.chunks.length === 0) {
      if (this.ended || signal.aborted) return null;
      await this.waitForInput(signal);
    }
    return signal.aborted ? null : (this.chunks.shift() ?? null);
  }

  /** The next line without its newline; a last line without one; null at end of input. */
  async readLine(signal: AbortSignal): Promise<string | null> {
    for (;;) {
      if (signal.aborted) return null;
      const pending = Buffer.concat(this.chunks);
      const newline = pending.indexOf(0x0a);
      if (newline >= 0) {
        this.chunks.splice(0, this.chunks.length, pending.subarray(newline + 1));
        return pending.subarray(0, newline).toString('utf8').replace(/\r$/, '');
      }
      if (this.ended) {
        this.chunks.length = 0;
        return pending.length > 0 ? pending.toString('utf8') : null;
      }
      await this.waitForInput(signal);
    }
  }

  private waitForInput(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
