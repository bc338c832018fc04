import { Global, Module } from '@nestjs/common';
import { AgentMetrics } from './agent-metrics';

/** The agent's Prometheus series, for every feature that counts something. */
@Global()
@Module({ providers: [AgentMetrics], exports: [AgentMetrics] })
export class AgentMetricsModule {}
