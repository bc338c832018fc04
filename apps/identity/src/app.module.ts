import { DynamicModule, Module } from '@nestjs/common';
import { PlatformModule } from '@portcullis/platform/service';
import { IdentityConfig } from './config/identity.config';
import { identityEntities, identityMigrations } from './database/identity.migrations';
import { OidcModule } from './oidc/oidc.module';
import { PortalModule } from './portal/portal.module';
import { TokensModule } from './tokens/tokens.module';
import { UsersModule } from './users/users.module';

/** identity: OIDC sign-in, users and groups, portal sessions, platform JWTs. */
@Module({})
export class AppModule {
  static register(config: IdentityConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ service: 'identity', config, entities: identityEntities, migrations: identityMigrations }),
        UsersModule,
        TokensModule,
        OidcModule,
        PortalModule,
      ],
    };
  }
}
