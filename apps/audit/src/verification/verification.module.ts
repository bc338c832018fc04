import { Module, OnModuleInit } from '@nestjs/common';
import { AuditVerifyV1 } from '@portcullis/contracts';
import { Responder } from '@portcullis/platform/messaging';
import { TrailModule } from '../trail/trail.module';
import { toReplyError } from '../trail/trail.exception';
import { ChainVerifier } from './chain-verifier';

/** Answers AuditVerifyV1: are the stored chains of a time range intact? */
@Module({ imports: [TrailModule], providers: [ChainVerifier] })
export class VerificationModule implements OnModuleInit {
  constructor(
    private readonly responder: Responder,
    private readonly verifier: ChainVerifier,
  ) {}

  onModuleInit(): void {
    this.responder.serve(AuditVerifyV1, (request) =>
      this.verifier.verify(request).catch((error: unknown) => {
        throw toReplyError(error);
      }),
    );
  }
}
