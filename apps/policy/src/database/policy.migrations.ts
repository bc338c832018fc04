import { MigrationInterface } from 'typeorm';
import { AgentBootstrapTokenEntity } from '../agents/agent-bootstrap-token.entity';
import { AgentCertificateEntity } from '../agents/agent-certificate.entity';
import { ClusterEntity } from '../clusters/cluster.entity';
import { GrantEntity } from '../grants/grant.entity';
import { RoleEntity } from '../roles/role.entity';
import { GlobalSettingsEntity } from '../settings/global-settings.entity';
import { CreateClustersRolesGrantsAndSettings1795859857435 } from './migrations/1795859857435-CreateClustersRolesGrantsAndSettings';
import { SeedBuiltInRolesAndSettings1795859857436 } from './migrations/1795859857436-SeedBuiltInRolesAndSettings';
import { AddAgentMode1796284522566 } from './migrations/1796284522566-AddAgentMode';

/** This service's own migrations, oldest first; the platform's (outbox, processed events) are added by the platform. */
export const policyMigrations: Array<new () => MigrationInterface> = [
  CreateClustersRolesGrantsAndSettings1795859857435,
  SeedBuiltInRolesAndSettings1795859857436,
  AddAgentMode1796284522566,
];

/** This service's own entities. */
export const policyEntities = [ClusterEntity, RoleEntity, GrantEntity, GlobalSettingsEntity, AgentBootstrapTokenEntity, AgentCertificateEntity];
