import { MigrationInterface } from 'typeorm';
import { AuditEvent } from '../trail/audit-event.entity';
import { ChainHead } from '../trail/chain-head.entity';
import { CreateAuditTrail1795860010714 } from './migrations/1795860010714-CreateAuditTrail';

/** This service's own migrations, oldest first; the platform's (outbox, processed events) are added by the platform. */
export const auditMigrations: Array<new () => MigrationInterface> = [CreateAuditTrail1795860010714];

/** This service's own entities. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM takes entity classes as plain constructors
export const auditEntities: Function[] = [AuditEvent, ChainHead];
