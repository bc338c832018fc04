import { Field, ObjectType } from '@nestjs/graphql';
import type { JitServiceAccount } from '@portcullis/contracts';

@ObjectType('JitServiceAccount', { description: "A person's just-in-time ServiceAccount on a cluster, as sa-provisioner tracks it." })
export class JitServiceAccountModel {
  @Field(() => String)
  userId!: string;

  @Field(() => String)
  cluster!: string;

  @Field(() => String)
  namespace!: string;

  @Field(() => String)
  serviceAccount!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  lastActivityAt!: Date | null;

  @Field(() => Date, { description: 'When it is deleted unless used again.' })
  idleExpiresAt!: Date;

  static from(account: JitServiceAccount): JitServiceAccountModel {
    return Object.assign(new JitServiceAccountModel(), {
      ...account,
      createdAt: new Date(account.createdAt),
      lastActivityAt: account.lastActivityAt === null ? null : new Date(account.lastActivityAt),
      idleExpiresAt: new Date(account.idleExpiresAt),
    });
  }
}
