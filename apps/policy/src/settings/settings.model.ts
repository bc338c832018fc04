import { Field, Int, ObjectType } from '@nestjs/graphql';
import { GlobalSettingsEntity } from './global-settings.entity';

@ObjectType('Settings', { description: 'Platform-wide settings. Per-cluster ones (the JIT idle timeout) are on Cluster.' })
export class SettingsModel {
  @Field(() => Int, { description: 'How long a kubeconfig issued from now on stays valid.' })
  kubeconfigValiditySeconds!: number;

  @Field(() => Date)
  updatedAt!: Date;

  static from(entity: GlobalSettingsEntity): SettingsModel {
    return Object.assign(new SettingsModel(), { kubeconfigValiditySeconds: entity.kubeconfigValiditySeconds, updatedAt: entity.updatedAt });
  }
}
