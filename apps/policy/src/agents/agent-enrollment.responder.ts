import { Injectable, OnModuleInit } from '@nestjs/common';
import { AgentEnrollV1, AgentRenewV1 } from '@portcullis/contracts';
import { Responder } from '@portcullis/platform/messaging';
import { withReplyCodes } from '../errors/reply-error';
import { AgentEnrollmentService } from './agent-enrollment.service';

/**
 * Answers the proxy's tunnel endpoint, which forwards agents' enrollment and renewal requests.
 * In production, NATS permissions must keep every other service off these subjects.
 */
@Injectable()
export class AgentEnrollmentResponder implements OnModuleInit {
  constructor(
    private readonly responder: Responder,
    private readonly enrollment: AgentEnrollmentService,
  ) {}

  onModuleInit(): void {
    this.responder.serve(AgentEnrollV1, (request) => withReplyCodes(() => this.enrollment.enroll(request)));
    this.responder.serve(AgentRenewV1, (request) => withReplyCodes(() => this.enrollment.renew(request)));
  }
}
