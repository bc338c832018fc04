import { randomUUID } from 'node:crypto';

/**
 * An error nobody meant to throw, given an id. Callers see only the id; the log line that
 * carries the same id has the cause, so an operator can find it.
 */
export class UnexpectedError extends Error {
  readonly errorId = randomUUID();

  constructor(cause: unknown) {
    super('internal error', { cause });
    this.name = 'UnexpectedError';
    this.message = `internal error (id ${this.errorId})`;
  }
}
