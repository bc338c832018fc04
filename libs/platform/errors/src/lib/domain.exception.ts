/**
 * What every feature's coded exception extends (`<feature>.exception.ts`: a `Code` enum and
 * `class XException extends DomainException<XErrorCode> {}`): an expected failure whose message
 * is meant for the caller. Domain code throws these, never HTTP exceptions; each app's transport
 * mappers (Kubernetes `Status`, GraphQL error code, NATS reply code) match the app's own
 * subclasses and switch exhaustively over their code enums, so a new code fails to compile
 * until every transport knows it.
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
