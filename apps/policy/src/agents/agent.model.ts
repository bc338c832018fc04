import { Field, InputType, Int, ObjectType } from '@nestjs/graphql';
import { LabelMapScalar } from '../admin-api/label-map.scalar';
import { ClusterModel } from '../clusters/cluster.model';

@InputType({ description: 'An agent-mode cluster: no server, CA bundle or credential, since its agent dials out to Portcullis.' })
export class RegisterAgentClusterInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true, description: 'Defaults to the name.' })
  displayName?: string | null;

  @Field(() => LabelMapScalar, { nullable: true })
  labels?: Record<string, string> | null;

  @Field(() => Int, { nullable: true, description: 'Defaults to 3600.' })
  idleTimeoutSeconds?: number | null;
}

@ObjectType('AgentRegistration', { description: 'What an admin needs to start a cluster agent. The token and the manifest are shown this once; Portcullis keeps only a hash of the token.' })
export class AgentRegistrationModel {
  @Field(() => ClusterModel)
  cluster!: ClusterModel;

  @Field(() => String, { description: 'One-time; the agent exchanges it for its client certificate. Already inside the manifest.' })
  bootstrapToken!: string;

  @Field(() => Date)
  bootstrapTokenExpiresAt!: Date;

  @Field(() => String, { description: 'Multi-document YAML to apply on the cluster (kubectl apply -f): namespace, RBAC, bootstrap Secret, Deployment.' })
  manifest!: string;
}
