import { GraphQLError, GraphQLScalarType, Kind, ValueNode } from 'graphql';

function isStringMap(value: unknown): value is Record<string, string> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string');
}

function literalValue(node: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  if (node.kind === Kind.VARIABLE) return variables?.[node.name.value];
  if (node.kind === Kind.STRING) return node.value;
  if (node.kind === Kind.OBJECT) return Object.fromEntries(node.fields.map((field) => [field.name.value, literalValue(field.value, variables)]));
  return undefined;
}

/** GraphQL has no map type; labels and label selectors travel as a JSON object of strings. */
export const LabelMapScalar = new GraphQLScalarType<Record<string, string>, Record<string, string>>({
  name: 'LabelMap',
  description: 'Kubernetes-style labels: an object of string keys to string values, e.g. {"env": "prod", "region": "eu-west-1"}',
  serialize: (value) => {
    if (!isStringMap(value)) throw new GraphQLError('LabelMap cannot represent a value that is not an object of strings');
    return value;
  },
  parseValue: (value) => {
    if (!isStringMap(value)) throw new GraphQLError('LabelMap must be an object whose values are strings');
    return value;
  },
  parseLiteral: (node, variables) => {
    const value = literalValue(node, variables);
    if (!isStringMap(value)) throw new GraphQLError('LabelMap must be an object whose values are strings');
    return value;
  },
});
