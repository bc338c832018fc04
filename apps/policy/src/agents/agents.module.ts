import { Module } from '@nestjs/common';
import { SERVICE_CONFIG } from '@portcullis/platform/service';
import { AdminActionsModule } from '../admin-actions/admin-actions.module';
import type { PolicyConfig } from '../config/policy.config';
import { AgentEnrollmentResponder } from './agent-enrollment.responder';
import { AgentEnrollmentService } from './agent-enrollment.service';
import { AgentIdentities } from './agent-identities';
import { AgentRegistrationResolver } from './agent-registration.resolver';
import { AgentRegistrationService } from './agent-registration.service';
import { AgentSettings } from './agent-settings';
import { BootstrapTokens } from './bootstrap-tokens';

/** Agent-mode clusters: registration, bootstrap tokens, and the agents' certificates. */
@Module({
  imports: [AdminActionsModule],
  providers: [
    { provide: AgentSettings, inject: [SERVICE_CONFIG], useFactory: (config: PolicyConfig) => AgentSettings.fromConfig(config) },
    BootstrapTokens,
    AgentIdentities,
    AgentRegistrationService,
    AgentRegistrationResolver,
    AgentEnrollmentService,
    AgentEnrollmentResponder,
  ],
  exports: [AgentIdentities],
})
export class AgentsModule {}
