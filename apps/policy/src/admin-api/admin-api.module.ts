import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { ROOT_LOGGER, SERVICE_CONFIG } from '@portcullis/platform/service';
import type { Request } from 'express';
import { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { PolicyConfig } from '../config/policy.config';
import { AdminAuthenticator } from './admin-authenticator';
import { AdminContext } from './admin-principal';
import { GraphQLErrorFormatter } from './graphql-error.formatter';
import { QueryLimits } from './query-limits';
import { webSocketOperations } from './websocket-operations';

@Module({
  providers: [
    AdminAuthenticator,
    GraphQLErrorFormatter,
    { provide: QueryLimits, inject: [SERVICE_CONFIG], useFactory: (config: PolicyConfig) => new QueryLimits(config.GRAPHQL_MAX_DEPTH, config.GRAPHQL_MAX_COMPLEXITY) },
  ],
  exports: [AdminAuthenticator, GraphQLErrorFormatter, QueryLimits],
})
class AdminApiSupportModule {}

function adminApiOptions(config: PolicyConfig, authenticator: AdminAuthenticator, errors: GraphQLErrorFormatter, limits: QueryLimits, rootLogger: Logger): ApolloDriverConfig {
  const logger = rootLogger.child({ component: 'apollo' });
  let builtSchema: GraphQLSchema | undefined;
  const schema = () => {
    if (!builtSchema) throw new Error('the GraphQL schema is not built yet');
    return builtSchema;
  };
  return {
    path: '/graphql',
    autoSchemaFile: true,
    sortSchema: true,
    transformSchema: (built) => (builtSchema = built),
    introspection: config.GRAPHQL_INTROSPECTION,
    // Admin tools bring their own client; no landing page fetched from a CDN.
    playground: false,
    includeStacktraceInErrorResponses: false,
    // Apollo's own messages as JSON log lines like everything else the service prints.
    logger: {
      debug: (message: string) => logger.debug(message),
      info: (message: string) => logger.info(message),
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    },
    // Every HTTP operation, introspection included, is authenticated before it is looked at.
    context: async ({ req }: { req: Request }): Promise<AdminContext> => {
      try {
        return { admin: await authenticator.authenticate(req.headers.authorization) };
      } catch (error) {
        throw errors.toRequestError(error);
      }
    },
    formatError: (formatted, error) => errors.format(formatted, error),
    plugins: [limits.apolloPlugin()],
    subscriptions: {
      'graphql-ws': webSocketOperations({ authenticator, errors, limits, introspection: config.GRAPHQL_INTROSPECTION, schema }),
    },
  };
}

/** The one GraphQL endpoint, `/graphql` (HTTP and graphql-ws), for Portcullis admins only. */
@Module({
  imports: [
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      imports: [AdminApiSupportModule],
      inject: [SERVICE_CONFIG, AdminAuthenticator, GraphQLErrorFormatter, QueryLimits, ROOT_LOGGER],
      useFactory: adminApiOptions,
    }),
  ],
})
export class AdminApiModule {}
