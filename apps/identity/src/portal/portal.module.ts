import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import cookieParser from 'cookie-parser';
import { SessionsModule } from '../sessions/sessions.module';
import { TokensModule } from '../tokens/tokens.module';
import { CsrfGuard } from './csrf.guard';
import { PortalController } from './portal.controller';
import { PortalPageController } from './portal-page.controller';
import { PortalSessionGuard } from './portal-session.guard';
import { SecurityHeadersMiddleware } from './security-headers.middleware';

@Module({
  imports: [SessionsModule, TokensModule],
  controllers: [PortalController, PortalPageController],
  providers: [PortalSessionGuard, CsrfGuard],
})
export class PortalModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(SecurityHeadersMiddleware, cookieParser())
      .forRoutes('*path');
  }
}
