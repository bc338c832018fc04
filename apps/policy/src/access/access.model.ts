import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { PolicyRule } from '@portcullis/contracts';
import { UserModel } from '../directory/directory.model';
import { GrantSubjectModel, SubjectKind } from '../grants/grant.model';
import { PolicyRuleModel } from '../roles/role.model';
import { EffectiveAccess } from './effective-access.service';

@ObjectType('AccessCluster')
export class AccessClusterModel {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  displayName!: string;
}

@ObjectType('AccessRole')
export class AccessRoleModel {
  @Field(() => String)
  name!: string;

  @Field(() => Boolean)
  builtIn!: boolean;

  @Field(() => [PolicyRuleModel])
  rules!: PolicyRule[];
}

@ObjectType('EffectiveAccessEntry', { description: 'One grant applied to one cluster.' })
export class EffectiveAccessEntryModel {
  @Field(() => ID)
  grantId!: string;

  @Field(() => AccessClusterModel)
  cluster!: AccessClusterModel;

  @Field(() => AccessRoleModel)
  role!: AccessRoleModel;

  @Field(() => [String], { description: 'Empty: the whole cluster.' })
  namespaces!: string[];

  @Field(() => GrantSubjectModel, { description: 'Whose grant this is: the user, or one of their groups.' })
  subject!: GrantSubjectModel;
}

@ObjectType('EffectiveAccess', { description: "The union of the user's own grants and their groups' grants, against the clusters as they are now." })
export class EffectiveAccessModel {
  @Field(() => UserModel)
  user!: UserModel;

  @Field(() => [EffectiveAccessEntryModel])
  entries!: EffectiveAccessEntryModel[];

  @Field(() => Int)
  kubeconfigValiditySeconds!: number;

  static from(user: UserModel, access: EffectiveAccess): EffectiveAccessModel {
    return Object.assign(new EffectiveAccessModel(), {
      user,
      entries: access.entries.map((entry) => ({
        ...entry,
        subject: { kind: entry.subject.kind === 'group' ? SubjectKind.GROUP : SubjectKind.USER, name: entry.subject.name },
      })),
      kubeconfigValiditySeconds: access.kubeconfigValiditySeconds,
    });
  }
}
