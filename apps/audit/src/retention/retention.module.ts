import { Module } from '@nestjs/common';
import { TrailModule } from '../trail/trail.module';
import { TrailRetention } from './trail-retention';

@Module({ imports: [TrailModule], providers: [TrailRetention], exports: [TrailRetention] })
export class RetentionModule {}
