import { Module } from '@nestjs/common';
import { AdminActionsModule } from '../admin-actions/admin-actions.module';
import { SettingsResolver } from './settings.resolver';
import { SettingsService } from './settings.service';

@Module({ imports: [AdminActionsModule], providers: [SettingsService, SettingsResolver], exports: [SettingsService] })
export class SettingsModule {}
