import { DocumentNode, ExecutionArgs, GraphQLError, GraphQLSchema, NoSchemaIntrospectionCustomRule, parse, specifiedRules, validate } from 'graphql';
import type { ServerOptions, SubscribePayload } from 'graphql-ws';
import type { AdminContext } from './admin-principal';
import { AdminAuthenticator } from './admin-authenticator';
import { GraphQLErrorFormatter } from './graphql-error.formatter';
import { QueryLimits } from './query-limits';

export interface WebSocketOperationsOptions {
  authenticator: AdminAuthenticator;
  errors: GraphQLErrorFormatter;
  limits: QueryLimits;
  introspection: boolean;
  /** The schema is built after these options; it is read when the first operation arrives. */
  schema: () => GraphQLSchema;
}

function coded(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, extensions: { code } });
}

/**
 * graphql-ws hooks that hold operations over WebSocket to the same rules as over HTTP: the
 * platform token (from `connectionParams.authorization`) is verified for every operation,
 * then parsing, validation (introspection off when configured), depth and cost limits, and
 * the same error shapes.
 */
export function webSocketOperations(options: WebSocketOperationsOptions): Pick<ServerOptions, 'onSubscribe' | 'onNext'> {
  return {
    onSubscribe: async (ctx, _id, payload: SubscribePayload) => {
      let contextValue: AdminContext;
      try {
        contextValue = { admin: await options.authenticator.authenticate(ctx.connectionParams?.['authorization']) };
      } catch (error) {
        // The same refusal as over HTTP, without the HTTP status (there is none on a socket).
        const refused = options.errors.toRequestError(error);
        const { http: _status, ...extensions } = refused.extensions;
        return [new GraphQLError(refused.message, { extensions })];
      }
      let document: DocumentNode;
      try {
        document = parse(payload.query);
      } catch (error) {
        return [coded(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
      }
      const schema = options.schema();
      const rules = options.introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
      const invalid = validate(schema, document, rules);
      if (invalid.length > 0) return invalid.map((error) => coded(error, 'GRAPHQL_VALIDATION_FAILED'));
      const variables = payload.variables ?? undefined;
      const overLimit = options.limits.check(schema, document, payload.operationName, variables);
      if (overLimit) return [coded(overLimit, 'GRAPHQL_VALIDATION_FAILED')];
      const args: ExecutionArgs = { schema, document, operationName: payload.operationName, variableValues: variables, contextValue };
      return args;
    },
    onNext: (_ctx, _id, _payload, _args, result) => {
      if (!result.errors?.length) return undefined;
      const errors = result.errors.map((error) => {
        const formatted = options.errors.format(error.toJSON(), error);
        return new GraphQLError(formatted.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions: formatted.extensions });
      });
      return { ...result, errors };
    },
  };
}
