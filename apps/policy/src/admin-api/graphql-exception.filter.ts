import { Catch } from '@nestjs/common';
import { GqlExceptionFilter } from '@nestjs/graphql';

/**
 * Hands every resolver error to Apollo unchanged, where GraphQLErrorFormatter gives it its
 * code and logs the unexpected ones once, with their id. Without it Nest's default handler
 * would log each one too, expected failures (NOT_FOUND, BAD_USER_INPUT) included, as errors.
 */
@Catch()
export class GraphQLExceptionFilter implements GqlExceptionFilter {
  catch(exception: unknown): unknown {
    return exception;
  }
}
