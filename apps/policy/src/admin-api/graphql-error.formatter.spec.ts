import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { ClusterErrorCode, ClusterException } from '../clusters/cluster.exception';
import { UnexpectedError } from '../errors/unexpected.error';
import { PeerServiceErrorCode, PeerServiceException } from '../peers/peer-service.exception';
import { RoleErrorCode, RoleException } from '../roles/role.exception';
import { AdminAuthErrorCode, AdminAuthException } from './admin-auth.exception';
import { graphQLCodeOf, GraphQLErrorFormatter } from './graphql-error.formatter';

function resolverError(original: Error): GraphQLError {
  return new GraphQLError(original.message, { path: ['clusters'], originalError: original });
}

describe(GraphQLErrorFormatter.name, () => {
  const logged: Array<Record<string, unknown>> = [];
  const logger = { error: (details: Record<string, unknown>) => logged.push(details) } as unknown as Logger;
  const sut = new GraphQLErrorFormatter(logger);

  beforeEach(() => (logged.length = 0));

  it('gives a domain exception its code and message, and logs nothing', () => {
    const error = resolverError(new ClusterException(ClusterErrorCode.NameTaken, 'a cluster named "a" already exists'));

    expect(sut.format(error.toJSON(), error)).toEqual({ message: 'a cluster named "a" already exists', path: ['clusters'], extensions: { code: 'CONFLICT' } });
    expect(logged).toEqual([]);
  });

  it('turns anything else into INTERNAL_SERVER_ERROR with an id, logging the cause under that id', () => {
    const cause = new TypeError("Cannot read properties of undefined (reading 'name')");
    const error = resolverError(cause);

    const formatted = sut.format(error.toJSON(), error);

    const errorId = formatted.extensions?.['errorId'];
    expect(formatted).toEqual({ message: `internal error (id ${errorId})`, path: ['clusters'], extensions: { code: 'INTERNAL_SERVER_ERROR', errorId } });
    expect(logged).toEqual([{ err: cause, errorId, path: ['clusters'] }]);
    expect(JSON.stringify(formatted)).not.toContain('TypeError');
  });

  it('keeps the id an UnexpectedError already has', () => {
    const unexpected = new UnexpectedError(new Error('boom'));
    const error = resolverError(unexpected);

    expect(sut.format(error.toJSON(), error).extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', errorId: unexpected.errorId });
  });

  it("keeps graphql-js' and Apollo's own codes for malformed operations, and nothing else from their extensions", () => {
    const error = new GraphQLError('Cannot query field "nope" on type "Query".', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['at x'] } });

    expect(sut.format(error.toJSON(), error)).toEqual({ message: 'Cannot query field "nope" on type "Query".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  });

  it('answers authentication failures with the HTTP status that goes with them', () => {
    expect(sut.toRequestError(new AdminAuthException(AdminAuthErrorCode.Unauthenticated, 'expired')).extensions).toEqual({ code: 'UNAUTHENTICATED', http: { status: 401 } });
    expect(sut.toRequestError(new AdminAuthException(AdminAuthErrorCode.Forbidden, 'no')).extensions).toEqual({ code: 'FORBIDDEN', http: { status: 403 } });
  });
});

describe(graphQLCodeOf.name, () => {
  it.each([
    [new ClusterException(ClusterErrorCode.CredentialRejected, ''), 'BAD_USER_INPUT'],
    [new ClusterException(ClusterErrorCode.NotFound, ''), 'NOT_FOUND'],
    [new RoleException(RoleErrorCode.InUse, ''), 'CONFLICT'],
    [new RoleException(RoleErrorCode.BuiltIn, ''), 'BAD_USER_INPUT'],
    [new PeerServiceException(PeerServiceErrorCode.Unavailable, ''), 'SERVICE_UNAVAILABLE'],
    [new PeerServiceException(PeerServiceErrorCode.NotFound, ''), 'NOT_FOUND'],
  ])('maps %s to %s', (exception, code) => {
    expect(graphQLCodeOf(exception)).toBe(code);
  });
});
