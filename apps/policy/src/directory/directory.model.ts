import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { UserSummary } from '@portcullis/contracts';

@ObjectType('User', { description: 'A person who has signed in, as identity knows them.' })
export class UserModel {
  @Field(() => ID, { description: "Portcullis' own stable user id (what USER grants name)." })
  id!: string;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field(() => String, { nullable: true })
  displayName!: string | null;

  @Field(() => [String], { description: 'IdP groups as of their last sign-in.' })
  groups!: string[];

  @Field(() => Boolean)
  admin!: boolean;

  @Field(() => Boolean)
  disabled!: boolean;

  @Field(() => Date, { nullable: true })
  lastLoginAt!: Date | null;

  static from(user: UserSummary): UserModel {
    return Object.assign(new UserModel(), {
      id: user.userId,
      email: user.email,
      displayName: user.displayName,
      groups: user.groups,
      admin: user.admin,
      disabled: user.disabled,
      lastLoginAt: user.lastLoginAt === null ? null : new Date(user.lastLoginAt),
    });
  }
}

@ObjectType('Group', { description: 'An IdP group seen at sign-in.' })
export class GroupModel {
  @Field(() => String)
  name!: string;

  @Field(() => Int, { description: 'Known users in the group.' })
  memberCount!: number;
}
