import { ApolloServer, ApolloServerOptionsWithSchema, BaseContext, HeaderMap } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

type ContextFunction = (argument: { req: Request; res: Response }) => Promise<BaseContext>;

/**
 * The Apollo driver, mounted on Express through Apollo Server's own integration API
 * (`executeHTTPGraphQLRequest`) rather than the separate `@as-integrations/express5` package
 * the stock driver loads, which this workspace does not install. Everything else (schema,
 * plugins, subscriptions over graphql-ws) is the stock driver.
 */
@Injectable()
export class ApolloExpressDriver extends ApolloDriver {
  protected override async registerExpress(options: ApolloDriverConfig): Promise<void> {
    const httpAdapter = this.httpAdapterHost.httpAdapter;
    const server = new ApolloServer<BaseContext>({
      ...(options as unknown as ApolloServerOptionsWithSchema<BaseContext>),
      plugins: [...(options.plugins ?? []), ApolloServerPluginDrainHttpServer({ httpServer: httpAdapter.getHttpServer() })],
    });
    await server.start();
    const context = options.context as ContextFunction;

    httpAdapter.use(options.path ?? '/graphql', (req: Request, res: Response, next: NextFunction) => {
      const headers = new HeaderMap();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const run = async () => {
        const response = await server.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method.toUpperCase(), headers, search: new URL(req.originalUrl, 'http://localhost').search, body: req.body as unknown },
          context: () => context({ req, res }),
        });
        for (const [name, value] of response.headers) res.setHeader(name, value);
        res.statusCode = response.status ?? 200;
        if (response.body.kind === 'complete') {
          res.end(response.body.string);
          return;
        }
        for await (const chunk of response.body.asyncIterator) res.write(chunk);
        res.end();
      };
      run().catch(next);
    });
    this.apolloServer = server;
  }
}
