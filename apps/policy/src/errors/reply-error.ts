import { ReplyError } from '@portcullis/platform/messaging';
import { DomainException } from './domain.exception';
import { ErrorCategory, errorCategoryOf } from './error-category';

/** The codes policy's NATS responders answer with (the Responder sends `code` and `message`). */
export type ReplyCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_REQUEST' | 'CONFLICT' | 'UNAVAILABLE';

function replyCode(category: ErrorCategory): ReplyCode {
  switch (category) {
    case 'unauthenticated':
      return 'UNAUTHENTICATED';
    case 'forbidden':
      return 'FORBIDDEN';
    case 'not-found':
      return 'NOT_FOUND';
    case 'invalid':
      return 'BAD_REQUEST';
    case 'conflict':
      return 'CONFLICT';
    case 'unavailable':
      return 'UNAVAILABLE';
  }
}

/**
 * Runs a responder's handler, turning a domain exception into the reply code callers act on;
 * anything else propagates and the Responder answers INTERNAL with a logged id.
 */
export async function withReplyCodes<T>(handler: () => Promise<T>): Promise<T> {
  try {
    return await handler();
  } catch (error) {
    const category = error instanceof DomainException ? errorCategoryOf(error) : null;
    if (error instanceof DomainException && category) throw new ReplyError(replyCode(category), error.message);
    throw error;
  }
}
