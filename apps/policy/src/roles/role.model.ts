import { Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import type { PolicyRule } from '@portcullis/contracts';
import { RoleEntity } from './role.entity';

@ObjectType('PolicyRule', { description: 'A Kubernetes RBAC PolicyRule.' })
export class PolicyRuleModel {
  @Field(() => [String])
  apiGroups!: string[];

  @Field(() => [String])
  resources!: string[];

  @Field(() => [String])
  resourceNames!: string[];

  @Field(() => [String])
  nonResourceURLs!: string[];

  @Field(() => [String])
  verbs!: string[];
}

@ObjectType('Role')
export class RoleModel {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'DNS label. Built-in roles are named after the Kubernetes ClusterRoles they stand for.' })
  name!: string;

  @Field(() => Boolean, { description: 'cluster-admin, admin, edit and view: seeded and immutable.' })
  builtIn!: boolean;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => [PolicyRuleModel], { description: "Empty for built-in roles: their rules are the cluster's own ClusterRole." })
  rules!: PolicyRule[];

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;

  static from(entity: RoleEntity): RoleModel {
    return Object.assign(new RoleModel(), {
      id: entity.id,
      name: entity.name,
      builtIn: entity.builtIn,
      description: entity.description,
      rules: entity.rules,
      createdAt: entity.createdAt,
      updatedAt: entity.updatedAt,
    });
  }
}

@InputType({ description: 'A Kubernetes RBAC PolicyRule. Resource rules need resources and apiGroups ("" is the core group); nonResourceURLs stand alone.' })
export class PolicyRuleInput {
  @Field(() => [String], { nullable: true })
  apiGroups?: string[] | null;

  @Field(() => [String], { nullable: true })
  resources?: string[] | null;

  @Field(() => [String], { nullable: true })
  resourceNames?: string[] | null;

  @Field(() => [String], { nullable: true })
  nonResourceURLs?: string[] | null;

  @Field(() => [String])
  verbs!: string[];
}

@InputType()
export class CreateRoleInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [PolicyRuleInput])
  rules!: PolicyRuleInput[];
}

@InputType({ description: 'Omitted fields stay as they are; rules, when given, replace all rules.' })
export class UpdateRoleInput {
  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [PolicyRuleInput], { nullable: true })
  rules?: PolicyRuleInput[] | null;
}

/** GraphQL null and "omitted" mean the same for list fields of a rule: empty. */
export function ruleInputs(rules: PolicyRuleInput[]): unknown[] {
  return rules.map((rule) => Object.fromEntries(Object.entries(rule).filter(([, value]) => value !== null && value !== undefined)));
}
