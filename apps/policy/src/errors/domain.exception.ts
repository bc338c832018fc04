/**
 * What every feature's coded exception extends: an expected failure whose message is meant
 * for the caller. Transport mappers turn the code into a GraphQL error code or a NATS reply code.
 */
export abstract class DomainException<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
