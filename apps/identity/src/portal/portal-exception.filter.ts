import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { PortalErrorCode, PortalException } from './portal.exception';

function statusOf(code: PortalErrorCode): number {
  switch (code) {
    case PortalErrorCode.Unauthenticated:
      return 401;
    case PortalErrorCode.Forbidden:
    case PortalErrorCode.NoAccess:
      return 403;
    case PortalErrorCode.NotFound:
      return 404;
    case PortalErrorCode.ServiceUnavailable:
      return 503;
  }
}

/** The portal API answers `{code, message}`; anything unexpected becomes a 500 with an id that is logged. */
@Catch()
export class PortalExceptionFilter implements ExceptionFilter {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof PortalException) {
      response.status(statusOf(exception.code)).json({ code: exception.code, message: exception.message });
      return;
    }
    const status = (exception as { getStatus?: () => number }).getStatus?.();
    if (status && status < 500) {
      response.status(status).json({ code: 'BAD_REQUEST', message: (exception as Error).message });
      return;
    }
    const errorId = randomUUID();
    this.logger.error({ err: exception, errorId }, 'portal request failed');
    response.status(500).json({ code: 'INTERNAL', message: `Something went wrong (error id ${errorId}).` });
  }
}
