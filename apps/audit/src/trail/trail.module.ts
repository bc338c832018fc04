import { Module } from '@nestjs/common';
import { TrailPartitions } from './trail-partitions';
import { TrailWriter } from './trail.writer';

/** The stored trail: day partitions and the chained, idempotent append. */
@Module({ providers: [TrailPartitions, TrailWriter], exports: [TrailPartitions, TrailWriter] })
export class TrailModule {}
