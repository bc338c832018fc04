import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { AdminActor } from '../admin-actions/admin-action.log';
import { AdminAuthErrorCode, AdminAuthException } from './admin-auth.exception';

/** The admin behind a GraphQL operation, from their verified platform JWT. */
export interface AdminPrincipal extends AdminActor {
  name: string | null;
  groups: string[];
}

/** What every resolver finds in the GraphQL context (HTTP and WebSocket alike). */
export interface AdminContext {
  admin: AdminPrincipal;
}

/**
 * The operation's admin. Every operation is authenticated before it runs (HTTP: context
 * creation; WebSocket: onSubscribe), so a missing admin here is a wiring bug, refused anyway.
 */
export const CurrentAdmin = createParamDecorator((_: unknown, context: ExecutionContext): AdminPrincipal => {
  const admin = GqlExecutionContext.create(context).getContext<Partial<AdminContext>>().admin;
  if (!admin) throw new AdminAuthException(AdminAuthErrorCode.Unauthenticated, 'a Bearer platform token is required');
  return admin;
});
