import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import { ROOT_LOGGER } from '@portcullis/platform/service';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ExportErrorCode, ExportException } from './export.exception';

function statusOf(code: ExportErrorCode): number {
  switch (code) {
    case ExportErrorCode.Unauthenticated:
      return 401;
    case ExportErrorCode.Forbidden:
      return 403;
    case ExportErrorCode.InvalidRange:
      return 400;
    case ExportErrorCode.NotConfigured:
      return 503;
  }
}

/** The export answers errors as `{code, message}`; anything unexpected becomes a 500 with an id that is logged. */
@Catch()
export class ExportExceptionFilter implements ExceptionFilter {
  constructor(@Inject(ROOT_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof ExportException) {
      if (exception.code === ExportErrorCode.Unauthenticated) response.setHeader('WWW-Authenticate', 'Bearer');
      response.status(statusOf(exception.code)).json({ code: exception.code, message: exception.message });
      return;
    }
    const errorId = randomUUID();
    this.logger.error({ err: exception, errorId }, 'export failed');
    if (response.headersSent) {
      // Mid-stream: the status is gone; cut the response so the client cannot take it for complete.
      response.destroy();
      return;
    }
    response.status(500).json({ code: 'INTERNAL', message: `Something went wrong (error id ${errorId}).` });
  }
}
