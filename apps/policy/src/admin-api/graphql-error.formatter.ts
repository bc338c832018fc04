import { unwrapResolverError } from '@apollo/server/errors';
import { Inject, Injectable } from '@nestjs/common';
import { DomainException } from '@portcullis/platform/errors';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { ErrorCategory, errorCategoryOf } from '../errors/error-category';
import { UnexpectedError } from '../errors/unexpected.error';
import { AdminAuthException } from './admin-auth.exception';

/** The codes the admin API puts in `extensions.code`, besides graphql-js' own for malformed documents. */
export type AdminApiErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'CONFLICT' | 'SERVICE_UNAVAILABLE' | 'INTERNAL_SERVER_ERROR';

function graphQLCode(category: ErrorCategory): AdminApiErrorCode {
  switch (category) {
    case 'unauthenticated':
      return 'UNAUTHENTICATED';
    case 'forbidden':
      return 'FORBIDDEN';
    case 'not-found':
      return 'NOT_FOUND';
    case 'invalid':
      return 'BAD_USER_INPUT';
    case 'conflict':
      return 'CONFLICT';
    case 'unavailable':
      return 'SERVICE_UNAVAILABLE';
  }
}

/** The GraphQL code of a domain exception; null for one no mapper knows (treated as unexpected). */
export function graphQLCodeOf(exception: DomainException): AdminApiErrorCode | null {
  const category = errorCategoryOf(exception);
  return category && graphQLCode(category);
}

const httpStatusOf: Partial<Record<AdminApiErrorCode, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403 };

/**
 * The one place GraphQL errors take their final shape, for HTTP and WebSocket: a message and
 * `extensions.code`, never a stack trace. Unexpected errors get an id that is logged with the
 * cause, and only the id reaches the caller.
 */
@Injectable()
export class GraphQLErrorFormatter {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  format(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
    const where = { locations: formatted.locations, path: formatted.path };
    const original = unwrapResolverError(error);
    if (original instanceof DomainException) {
      const code = graphQLCodeOf(original);
      if (code) return { message: original.message, ...where, extensions: { code } };
    }
    if (original instanceof UnexpectedError) return this.internal(original.errorId, original.cause, where);
    if (original instanceof GraphQLError) {
      const { code, errorId } = original.extensions;
      // graphql-js' and Apollo's own errors (parse, validation, variable coercion) carry their code.
      if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return { message: original.message, ...where, extensions: { code } };
      // Already given an id (and logged) where it happened.
      if (typeof errorId === 'string') return { message: original.message, ...where, extensions: { code: 'INTERNAL_SERVER_ERROR', errorId } };
    }
    return this.internal(new UnexpectedError(original).errorId, original, where);
  }

  /** For failures before execution (authentication): an error Apollo answers with the matching HTTP status. */
  toRequestError(error: unknown): GraphQLError {
    const code = error instanceof AdminAuthException ? graphQLCodeOf(error) : null;
    if (error instanceof AdminAuthException && code) {
      return new GraphQLError(error.message, { extensions: { code, http: { status: httpStatusOf[code] ?? 400 } } });
    }
    const unexpected = error instanceof UnexpectedError ? error : new UnexpectedError(error);
    this.logger.error({ err: unexpected.cause, errorId: unexpected.errorId }, 'admin API request failed');
    return new GraphQLError(unexpected.message, { extensions: { code: 'INTERNAL_SERVER_ERROR', errorId: unexpected.errorId, http: { status: 500 } } });
  }

  private internal(errorId: string, cause: unknown, where: Pick<GraphQLFormattedError, 'locations' | 'path'>): GraphQLFormattedError {
    this.logger.error({ err: cause, errorId, path: where.path }, 'admin API operation failed');
    return { message: `internal error (id ${errorId})`, ...where, extensions: { code: 'INTERNAL_SERVER_ERROR', errorId } };
  }
}
