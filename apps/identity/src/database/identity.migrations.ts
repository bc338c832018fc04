import { MigrationInterface } from 'typeorm';
import { CreateUsersSessionsAndLoginStates1795859284384 } from './migrations/1795859284384-CreateUsersSessionsAndLoginStates';
import { LoginStateEntity } from '../oidc/login-state.entity';
import { SessionEntity } from '../sessions/session.entity';
import { UserEntity } from '../users/user.entity';

/** This service's own migrations, oldest first; the platform's (outbox, processed events) are added by the platform. */
export const identityMigrations: Array<new () => MigrationInterface> = [CreateUsersSessionsAndLoginStates1795859284384];

/** This service's own entities. */
export const identityEntities = [UserEntity, SessionEntity, LoginStateEntity];
