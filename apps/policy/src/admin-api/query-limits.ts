import type { ApolloServerPlugin } from '@apollo/server';
import { DocumentNode, FragmentDefinitionNode, getOperationAST, GraphQLError, GraphQLSchema, Kind, SelectionSetNode } from 'graphql';
import { ComplexityEstimator, fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';

// Introspection is governed by GRAPHQL_INTROSPECTION, not by these limits: the standard
// introspection query alone is deeper than any sensible depth limit.
const introspectionIsFree: ComplexityEstimator = ({ field }) => (field.name.startsWith('__') ? 0 : undefined);

function limitError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } });
}

/**
 * Refuses operations nested deeper, or costing more, than configured. A field costs 1, a
 * list field's declared complexity multiplies its children by the page size asked for, so
 * aliases and large pages cannot multiply work unnoticed. Applies to HTTP and WebSocket.
 */
export class QueryLimits {
  constructor(
    private readonly maxDepth: number,
    private readonly maxComplexity: number,
  ) {}

  check(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | undefined): GraphQLError | null {
    const operation = getOperationAST(document, operationName);
    if (!operation) return null;
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const depth = depthOf(operation.selectionSet, fragments, new Set());
    if (depth > this.maxDepth) return limitError(`the operation is nested ${depth} levels deep; the limit is ${this.maxDepth}`);

    let complexity: number;
    try {
      complexity = getComplexity({
        schema,
        query: document,
        operationName: operationName ?? undefined,
        variables: variables ?? {},
        estimators: [introspectionIsFree, fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
      });
    } catch (error) {
      // Malformed variables and the like: execution reports them with their own codes.
      if (error instanceof GraphQLError) return null;
      throw error;
    }
    if (complexity > this.maxComplexity) return limitError(`the operation costs ${complexity}; the limit is ${this.maxComplexity}`);
    return null;
  }

  apolloPlugin(): ApolloServerPlugin {
    return {
      requestDidStart: async () => ({
        didResolveOperation: async ({ schema, document, operationName, request }) => {
          const error = this.check(schema, document, operationName, request.variables);
          if (error) throw error;
        },
      }),
    };
  }
}

function depthOf(selectionSet: SelectionSetNode | undefined, fragments: Map<string, FragmentDefinitionNode>, visiting: Set<string>): number {
  if (!selectionSet) return 0;
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, fragments, visiting));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, visiting));
    } else {
      const name = selection.name.value;
      const fragment = fragments.get(name);
      // A fragment cycle is a validation error reported elsewhere; do not recurse forever.
      if (!fragment || visiting.has(name)) continue;
      visiting.add(name);
      deepest = Math.max(deepest, depthOf(fragment.selectionSet, fragments, visiting));
      visiting.delete(name);
    }
  }
  return deepest;
}
