import { Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { LabelMapScalar } from '../admin-api/label-map.scalar';
import { ClusterEntity } from './cluster.entity';

export enum CredentialKind {
  TOKEN = 'token',
  CLIENT_CERTIFICATE = 'client-certificate',
}
registerEnumType(CredentialKind, { name: 'CredentialKind', description: 'How Portcullis authenticates to the cluster as its manager.' });

export enum ClusterMode {
  DIRECT = 'direct',
  AGENT = 'agent',
}
registerEnumType(ClusterMode, {
  name: 'ClusterMode',
  description: 'How Portcullis reaches the cluster.',
  valuesMap: {
    DIRECT: { description: 'The proxy and sa-provisioner dial its API server, with a management credential Portcullis holds.' },
    AGENT: { description: 'An agent inside the cluster dials out to the proxy; Portcullis holds no credential for it.' },
  },
});

@ObjectType('Cluster', { description: 'A registered Kubernetes cluster. Its management credential is write-only: no field returns it.' })
export class ClusterModel {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'DNS label; kubeconfig contexts and proxy URLs use it. Immutable.' })
  name!: string;

  @Field(() => String)
  displayName!: string;

  @Field(() => ClusterMode)
  mode!: ClusterMode;

  @Field(() => String, { description: "The API server's https URL; in agent mode as the agent sees it (informational)." })
  server!: string;

  @Field(() => String, { nullable: true, description: 'PEM CA bundle the API server certificate is verified against; null: the system CAs.' })
  caBundle!: string | null;

  @Field(() => LabelMapScalar)
  labels!: Record<string, string>;

  @Field(() => Int, { description: 'Seconds a JIT service account may stay unused before it is deleted.' })
  idleTimeoutSeconds!: number;

  @Field(() => CredentialKind, { nullable: true, description: 'null in agent mode: there is no management credential.' })
  credentialKind!: CredentialKind | null;

  @Field(() => Date, { nullable: true, description: 'When the management credential was last set; null in agent mode.' })
  credentialUpdatedAt!: Date | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;

  static from(entity: ClusterEntity): ClusterModel {
    return Object.assign(new ClusterModel(), {
      id: entity.id,
      name: entity.name,
      displayName: entity.displayName,
      mode: entity.mode === 'agent' ? ClusterMode.AGENT : ClusterMode.DIRECT,
      server: entity.server,
      caBundle: entity.caBundle,
      labels: entity.labels,
      idleTimeoutSeconds: entity.idleTimeoutSeconds,
      credentialKind: entity.credentialKind === null ? null : entity.credentialKind === 'token' ? CredentialKind.TOKEN : CredentialKind.CLIENT_CERTIFICATE,
      credentialUpdatedAt: entity.credentialUpdatedAt,
      createdAt: entity.createdAt,
      updatedAt: entity.updatedAt,
    });
  }
}

@InputType({ description: 'Either a bearer token, or a client certificate with its private key (PEM).' })
export class ClusterCredentialInput {
  @Field(() => String, { nullable: true })
  token?: string | null;

  @Field(() => String, { nullable: true })
  clientCertificate?: string | null;

  @Field(() => String, { nullable: true })
  clientKey?: string | null;
}

@InputType()
export class RegisterClusterInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true, description: 'Defaults to the name.' })
  displayName?: string | null;

  @Field(() => String)
  server!: string;

  @Field(() => String, { nullable: true })
  caBundle?: string | null;

  @Field(() => LabelMapScalar, { nullable: true })
  labels?: Record<string, string> | null;

  @Field(() => Int, { nullable: true, description: 'Defaults to 3600.' })
  idleTimeoutSeconds?: number | null;

  @Field(() => ClusterCredentialInput)
  credential!: ClusterCredentialInput;
}

@InputType({
  description:
    'Omitted fields stay as they are. A new server, CA bundle or credential is checked against the API server again; an agent-mode cluster has none of the three (re-register its agent instead).',
})
export class UpdateClusterInput {
  @Field(() => String, { nullable: true })
  displayName?: string | null;

  @Field(() => String, { nullable: true })
  server?: string | null;

  @Field(() => String, { nullable: true, description: 'null: verify the API server against the system CAs.' })
  caBundle?: string | null;

  @Field(() => LabelMapScalar, { nullable: true, description: 'Replaces all labels.' })
  labels?: Record<string, string> | null;

  @Field(() => ClusterCredentialInput, { nullable: true })
  credential?: ClusterCredentialInput | null;
}
