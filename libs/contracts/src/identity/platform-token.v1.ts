import { z } from 'zod';

/**
 * Claims of the platform JWT identity issues for the portal and the admin API (ES256, `kid` in
 * the header, keys published at identity's /.well-known/jwks.json). Audience `portcullis`.
 */
export const PlatformTokenClaimsV1 = z.object({
  iss: z.string().min(1),
  sub: z.string().min(1),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: z.number().int(),
  iat: z.number().int(),
  email: z.email().nullable(),
  name: z.string().nullable(),
  groups: z.array(z.string()),
  admin: z.boolean(),
});
export type PlatformTokenClaimsV1 = z.infer<typeof PlatformTokenClaimsV1>;
export const PLATFORM_TOKEN_AUDIENCE = 'portcullis';
