import { getIntrospectionQuery, GraphQLInt, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';
import { QueryLimits } from './query-limits';

const Leaf: GraphQLObjectType = new GraphQLObjectType({
  name: 'Leaf',
  fields: () => ({ name: { type: GraphQLString }, child: { type: Leaf } }),
});

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      leaf: { type: Leaf },
      page: {
        type: new GraphQLList(new GraphQLNonNull(Leaf)),
        args: { first: { type: GraphQLInt } },
        extensions: { complexity: ({ args, childComplexity }: { args: { first?: number }; childComplexity: number }) => childComplexity * (args.first ?? 10) },
      },
    },
  }),
});

describe(QueryLimits.name, () => {
  const sut = new QueryLimits(3, 50);

  function check(query: string, variables?: Record<string, unknown>) {
    return sut.check(schema, parse(query), undefined, variables);
  }

  it('allows an operation within both limits', () => {
    expect(check('{ leaf { child { name } } }')).toBeNull();
  });

  it('counts depth through fragments and inline fragments', () => {
    const error = check('{ leaf { ...F } } fragment F on Leaf { child { ... on Leaf { child { name } } } }');

    expect(error?.message).toBe('the operation is nested 4 levels deep; the limit is 3');
    expect(error?.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } });
  });

  it('multiplies a page by the size asked for, from a literal or a variable', () => {
    expect(check('{ page(first: 5) { name child { name } } }')).toBeNull();
    expect(check('query($n: Int) { page(first: $n) { name child { name } } }', { n: 30 })?.message).toBe('the operation costs 90; the limit is 50');
  });

  it('counts aliases: the same field asked for many times costs each time', () => {
    const aliases = Array.from({ length: 30 }, (_, i) => `a${i}: leaf { name }`).join(' ');

    expect(check(`{ ${aliases} }`)?.message).toBe('the operation costs 60; the limit is 50');
  });

  it('leaves introspection to the introspection switch', () => {
    expect(sut.check(schema, parse(getIntrospectionQuery()), undefined, undefined)).toBeNull();
  });

  it('ignores a fragment cycle (validation reports it)', () => {
    expect(check('{ leaf { ...A } } fragment A on Leaf { child { ...B } } fragment B on Leaf { ...A }')).toBeNull();
  });
});
