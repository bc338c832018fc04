import { Field, ID, ObjectType } from '@nestjs/graphql';
import type { KubeconfigSummary } from '@portcullis/contracts';

@ObjectType('Kubeconfig', { description: 'An issued kubeconfig credential, as kubeconfig-issuer records it.' })
export class KubeconfigModel {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  userId!: string;

  @Field(() => [String], { description: 'Names of the clusters it had contexts for.' })
  clusters!: string[];

  @Field(() => Date)
  issuedAt!: Date;

  @Field(() => Date)
  expiresAt!: Date;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  static from(summary: KubeconfigSummary): KubeconfigModel {
    return Object.assign(new KubeconfigModel(), {
      id: summary.kubeconfigId,
      userId: summary.userId,
      clusters: summary.clusters,
      issuedAt: new Date(summary.issuedAt),
      expiresAt: new Date(summary.expiresAt),
      revokedAt: summary.revokedAt === null ? null : new Date(summary.revokedAt),
    });
  }
}
