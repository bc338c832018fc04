import { z } from 'zod';
import { defineEvent, EventOf } from '../lib/contract';
import { Subjects } from '../lib/names';

/** A person signed in: their profile and IdP groups as of that login (groups replace, never merge). */
export const UserUpsertedV1 = defineEvent({
  subject: Subjects.identityUserUpserted,
  schemaName: 'identity.user.upserted.v1',
  shape: {
    userId: z.string().min(1),
    issuer: z.url(),
    idpSubject: z.string().min(1),
    email: z.email().nullable(),
    displayName: z.string().nullable(),
    groups: z.array(z.string().min(1)),
    admin: z.boolean(),
    disabled: z.boolean(),
    lastLoginAt: z.iso.datetime({ offset: true }),
  },
});
export type UserUpsertedV1 = EventOf<typeof UserUpsertedV1>;
