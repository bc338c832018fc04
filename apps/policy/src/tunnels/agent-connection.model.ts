import { Field, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { TunnelPresenceV1 } from '@portcullis/contracts';

export enum AgentConnectionState {
  CONNECTED = 'connected',
  DISCONNECTED = 'disconnected',
}
registerEnumType(AgentConnectionState, {
  name: 'AgentConnectionState',
  description: "Whether the cluster's agent holds a tunnel to at least one proxy replica now.",
});

@ObjectType('AgentConnection', { description: "An agent-mode cluster's tunnel, as the proxy replicas report it (renewed every 10 s)." })
export class AgentConnectionModel {
  @Field(() => AgentConnectionState)
  state!: AgentConnectionState;

  @Field(() => String, { nullable: true })
  agentVersion!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the current tunnel was opened.' })
  connectedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'The last heartbeat the agent answered.' })
  lastHeartbeatAt!: Date | null;

  @Field(() => [String], { description: 'The proxy replicas holding a tunnel of this agent.' })
  replicas!: string[];

  static from(claims: TunnelPresenceV1[]): AgentConnectionModel {
    const newest = [...claims].sort((a, b) => Date.parse(b.heartbeatAt) - Date.parse(a.heartbeatAt))[0];
    return Object.assign(new AgentConnectionModel(), {
      state: newest ? AgentConnectionState.CONNECTED : AgentConnectionState.DISCONNECTED,
      agentVersion: newest?.agentVersion ?? null,
      connectedAt: newest ? new Date(newest.connectedAt) : null,
      lastHeartbeatAt: newest ? new Date(newest.heartbeatAt) : null,
      replicas: claims.map((claim) => claim.replica).sort(),
    });
  }
}
