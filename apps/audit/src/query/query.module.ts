import { Module, OnModuleInit } from '@nestjs/common';
import { AuditQueryV1 } from '@portcullis/contracts';
import { Responder } from '@portcullis/platform/messaging';
import { toReplyError } from '../trail/trail.exception';
import { AuditQueryService } from './audit-query.service';

/** Answers the admin API's (and the portal's) AuditQueryV1 over NATS. */
@Module({ providers: [AuditQueryService] })
export class QueryModule implements OnModuleInit {
  constructor(
    private readonly responder: Responder,
    private readonly queries: AuditQueryService,
  ) {}

  onModuleInit(): void {
    this.responder.serve(AuditQueryV1, (request) =>
      this.queries.page(request).catch((error: unknown) => {
        throw toReplyError(error);
      }),
    );
  }
}
