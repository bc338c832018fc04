import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { SessionsModule } from '../sessions/sessions.module';
import { UsersModule } from '../users/users.module';
import { LoginStateStore } from './login-state.store';
import { OidcAuthGuard } from './oidc-auth.guard';
import { OidcClient } from './oidc-client';
import { OidcController } from './oidc.controller';

@Module({
  imports: [PassportModule.register({ session: false }), UsersModule, SessionsModule],
  controllers: [OidcController],
  providers: [LoginStateStore, OidcClient, OidcAuthGuard],
})
export class OidcModule {}
