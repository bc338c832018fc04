import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { LabelMapScalar } from '../admin-api/label-map.scalar';
import { ClusterModel } from '../clusters/cluster.model';
import { ClusterEntity } from '../clusters/cluster.entity';
import { RoleModel } from '../roles/role.model';
import { GrantEntity } from './grant.entity';
import { clustersOfGrant } from './grants.service';

export enum SubjectKind {
  GROUP = 'group',
  USER = 'user',
}
registerEnumType(SubjectKind, { name: 'SubjectKind', description: 'GROUP: an IdP group, by name. USER: a Portcullis user, by id.' });

@ObjectType('GrantSubject')
export class GrantSubjectModel {
  @Field(() => SubjectKind)
  kind!: SubjectKind;

  @Field(() => String)
  name!: string;
}

@InputType()
export class GrantSubjectInput {
  @Field(() => SubjectKind)
  kind!: SubjectKind;

  @Field(() => String)
  name!: string;
}

@ObjectType('Grant', { description: 'subject → role → a cluster, or every cluster matching a label selector → optionally some namespaces.' })
export class GrantModel {
  @Field(() => ID)
  id!: string;

  @Field(() => GrantSubjectModel)
  subject!: GrantSubjectModel;

  @Field(() => RoleModel)
  role!: RoleModel;

  @Field(() => ClusterModel, { nullable: true, description: 'Set for a grant on one cluster.' })
  cluster!: ClusterModel | null;

  @Field(() => LabelMapScalar, { nullable: true, description: 'Set for a grant on every cluster with these labels ({} selects every cluster).' })
  clusterSelector!: Record<string, string> | null;

  @Field(() => [String], { description: 'Empty: the whole cluster.' })
  namespaces!: string[];

  @Field(() => [ClusterModel], { description: 'The clusters this grant applies to now.' })
  clusters!: ClusterModel[];

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => String, { description: 'The user id of the admin who made it.' })
  createdBy!: string;

  /** `grant` with its role loaded; `clusters`: every cluster, to resolve selectors against. */
  static from(grant: GrantEntity, clusters: ClusterEntity[]): GrantModel {
    if (!grant.role) throw new Error(`grant ${grant.id} was loaded without its role`);
    const cluster = grant.clusterId === null ? null : clusters.find((candidate) => candidate.id === grant.clusterId);
    return Object.assign(new GrantModel(), {
      id: grant.id,
      subject: { kind: grant.subjectKind === 'group' ? SubjectKind.GROUP : SubjectKind.USER, name: grant.subjectName },
      role: RoleModel.from(grant.role),
      cluster: cluster ? ClusterModel.from(cluster) : null,
      clusterSelector: grant.clusterSelector,
      namespaces: grant.namespaces,
      clusters: clustersOfGrant(grant, clusters).map((target) => ClusterModel.from(target)),
      createdAt: grant.createdAt,
      createdBy: grant.createdBy,
    });
  }
}

@InputType({ description: 'Give exactly one of clusterId and clusterSelector.' })
export class GrantInput {
  @Field(() => GrantSubjectInput)
  subject!: GrantSubjectInput;

  @Field(() => ID)
  roleId!: string;

  @Field(() => ID, { nullable: true })
  clusterId?: string | null;

  @Field(() => LabelMapScalar, { nullable: true })
  clusterSelector?: Record<string, string> | null;

  @Field(() => [String], { nullable: true, description: 'DNS labels; omitted or empty: the whole cluster.' })
  namespaces?: string[] | null;
}

@InputType({ description: 'Every field given narrows the list.' })
export class GrantFilterInput {
  @Field(() => GrantSubjectInput, { nullable: true })
  subject?: GrantSubjectInput | null;

  @Field(() => ID, { nullable: true })
  roleId?: string | null;

  @Field(() => ID, { nullable: true })
  clusterId?: string | null;
}
