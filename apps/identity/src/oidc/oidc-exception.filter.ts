import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { OidcErrorCode, OidcException } from './oidc.exception';
import { renderMessagePage } from '../portal/message-page';

function statusOf(code: OidcErrorCode): number {
  switch (code) {
    case OidcErrorCode.IdpUnavailable:
      return 502;
    case OidcErrorCode.InvalidCallback:
      return 400;
    case OidcErrorCode.AccessDenied:
      return 403;
  }
}

/** Sign-in failures are pages for a person in a browser: a status, a sentence, a way back. */
@Catch(OidcException)
export class OidcExceptionFilter implements ExceptionFilter {
  catch(exception: OidcException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    response
      .status(statusOf(exception.code))
      .type('html')
      .send(renderMessagePage({ title: 'Sign-in failed', message: exception.message, action: { href: '/', label: 'Back to Portcullis' } }));
  }
}
