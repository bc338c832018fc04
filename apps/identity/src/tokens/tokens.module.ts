import { Module } from '@nestjs/common';
import { JwksController } from './jwks.controller';
import { PlatformTokenSigner } from './platform-token.signer';

@Module({ controllers: [JwksController], providers: [PlatformTokenSigner], exports: [PlatformTokenSigner] })
export class TokensModule {}
