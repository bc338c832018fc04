import { Controller, Get, Header } from '@nestjs/common';
import { JWK } from 'jose';
import { PlatformTokenSigner } from './platform-token.signer';

@Controller('.well-known')
export class JwksController {
  constructor(private readonly signer: PlatformTokenSigner) {}

  @Get('jwks.json')
  // Verifiers cache the set; a short max-age lets a rotation reach them quickly.
  @Header('Cache-Control', 'public, max-age=300')
  jwks(): { keys: JWK[] } {
    return this.signer.publicKeys();
  }
}
