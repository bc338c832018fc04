import { Module } from '@nestjs/common';
import { AdminActionLog } from './admin-action.log';

@Module({ providers: [AdminActionLog], exports: [AdminActionLog] })
export class AdminActionsModule {}
