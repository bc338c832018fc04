import type { RequestInfoParser } from '../api/request-info-parser';
import type { ResourceRegistry } from '../api/resource-registry';
import { StatusError } from '../api/status-error';
import type { AccessLog } from '../access-log';
import type { Clock } from '../clock';
import { AccessDenied, type AccessControl } from './access-control';
import type { NonResourceHandler } from './non-resource-handler';
import type { PodLogHandler } from './pod-log-handler';
import { RequestContext, type ApiRequest, type ApiResponse } from './request-context';
import type { ResourceHandler } from './resource-handler';
import type { ReviewHandler } from './review-handler';
import type { TokenRequestHandler } from './token-request-handler';

// The request pipeline: derive the request's attributes, pass the access-control chain, route to
// the handler. Every answer, including 401/403 and errors, is a Status body and one access-log entry.

export interface ApiServerHandlers {
  resources: ResourceHandler;
  reviews: ReviewHandler;
  tokens: TokenRequestHandler;
  logs: PodLogHandler;
  nonResource: NonResourceHandler;
}

const POD_STREAMS = new Set(['exec', 'attach', 'portforward']);

export class ApiServer {
  constructor(
    private readonly parser: RequestInfoParser,
    private readonly registry: ResourceRegistry,
    private readonly access: AccessControl,
    private readonly handlers: ApiServerHandlers,
    private readonly accessLog: AccessLog,
    private readonly clock: Clock,
  ) {}

  readonly handleRequest = (req: ApiRequest, res: ApiResponse): void => {
    void this.serve(req, res);
  };

  private async serve(req: ApiRequest, res: ApiResponse): Promise<void> {
    const ctx = new RequestContext(req, res, this.accessLog, this.clock);
    try {
      try {
        ctx.info = this.parser.parse(req.method ?? 'GET', ctx.url.pathname, ctx.query);
      } catch (e) {
        throw StatusError.badRequest((e as Error).message);
      }
      const admission = await this.access.admit(req.headers, req.socket, ctx.info, (name) => ctx.headerValues(name));
      ctx.user = admission.user;
      ctx.impersonator = admission.impersonator;
      ctx.decision = 'allow';
      ctx.reason = admission.reason || undefined;
      await this.route(ctx);
    } catch (e) {
      if (e instanceof AccessDenied) {
        ctx.user = e.user;
        ctx.impersonator = e.impersonator;
        ctx.reason = e.error.message;
        ctx.sendError(e.error);
      } else if (e instanceof StatusError) ctx.sendError(e);
      else {
        console.error(`kube-emulator: ${ctx.auditId} ${req.method} ${req.url}:`, e);
        ctx.sendError(StatusError.internal(`${(e as Error).message} (audit id ${ctx.auditId})`));
      }
    }
  }

  private async route(ctx: RequestContext): Promise<void> {
    const info = ctx.info;
    if (!info.isResourceRequest) return this.handlers.nonResource.handle(ctx);
    const type = this.registry.find(info.apiGroup, info.apiVersion, info.resource);
    if (!type) throw StatusError.pathNotFound();
    if (!type.stored) return this.handlers.reviews.handle(ctx, type);
    if (info.apiGroup === '' && info.resource === 'pods' && info.name) {
      if (info.subresource === 'log') return this.handlers.logs.handle(ctx);
      if (POD_STREAMS.has(info.subresource)) throw StatusError.badRequest('Upgrade request required');
    }
    if (info.apiGroup === '' && info.resource === 'serviceaccounts' && info.subresource === 'token') return this.handlers.tokens.handle(ctx);
    return this.handlers.resources.handle(ctx, type);
  }
}
