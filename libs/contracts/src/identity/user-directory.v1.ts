import { z } from 'zod';
import { defineRequest, RequestOf, ResponseOf } from '../lib/contract';
import { Subjects } from '../lib/names';
import { userSummary } from '../lib/shared-schemas';

/** admin API → identity: the people who have signed in, newest login first. */
export const IdentityUsersListV1 = defineRequest({
  subject: Subjects.identityUsersList,
  request: z.object({ userIds: z.array(z.string().min(1)).max(1000).optional(), search: z.string().max(200).optional(), limit: z.number().int().min(1).max(1000).default(100) }).strict(),
  response: z.object({ users: z.array(userSummary) }).strict(),
});
export type IdentityUsersListRequestV1 = RequestOf<typeof IdentityUsersListV1>;
export type IdentityUsersListResponseV1 = ResponseOf<typeof IdentityUsersListV1>;

/** admin API → identity: every IdP group seen at sign-in, with how many known users are in it. */
export const IdentityGroupsListV1 = defineRequest({
  subject: Subjects.identityGroupsList,
  request: z.object({}).strict(),
  response: z.object({ groups: z.array(z.object({ name: z.string().min(1), memberCount: z.number().int().nonnegative() }).strict()) }).strict(),
});
export type IdentityGroupsListResponseV1 = ResponseOf<typeof IdentityGroupsListV1>;
