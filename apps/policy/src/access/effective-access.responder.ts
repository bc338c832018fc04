import { Injectable, OnModuleInit } from '@nestjs/common';
import { PolicyEffectiveAccessV1 } from '@portcullis/contracts';
import { Responder } from '@portcullis/platform/messaging';
import { withReplyCodes } from '../errors/reply-error';
import { EffectiveAccessService } from './effective-access.service';

/** Answers kubeconfig-issuer and the proxy: what may this person (with these groups) use? */
@Injectable()
export class EffectiveAccessResponder implements OnModuleInit {
  constructor(
    private readonly responder: Responder,
    private readonly access: EffectiveAccessService,
  ) {}

  onModuleInit(): void {
    this.responder.serve(PolicyEffectiveAccessV1, ({ userId, groups }) =>
      withReplyCodes(async () => {
        const access = await this.access.resolve(userId, groups);
        return {
          entries: access.entries.map(({ grantId, cluster, role, namespaces }) => ({ grantId, cluster, role, namespaces })),
          kubeconfigValiditySeconds: access.kubeconfigValiditySeconds,
        };
      }),
    );
  }
}
