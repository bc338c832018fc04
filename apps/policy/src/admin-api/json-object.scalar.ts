import { GraphQLError, GraphQLScalarType } from 'graphql';

/** Free-form details (an admin action's before/after, say), as a JSON object. Output only. */
export const JsonObjectScalar = new GraphQLScalarType<Record<string, unknown>, Record<string, unknown>>({
  name: 'JSONObject',
  description: 'A JSON object.',
  serialize: (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GraphQLError('JSONObject cannot represent a value that is not an object');
    return value as Record<string, unknown>;
  },
  parseValue: () => {
    throw new GraphQLError('JSONObject is output only');
  },
  parseLiteral: () => {
    throw new GraphQLError('JSONObject is output only');
  },
});
