import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import {
  IdentityGroupsListV1,
  IdentityGroupsListResponseV1,
  IdentityUsersListRequestV1,
  IdentityUsersListResponseV1,
  IdentityUsersListV1,
  Subjects,
  UserSummary,
} from '@portcullis/contracts';
import { Responder } from '@portcullis/platform/messaging';
import { Outbox } from '@portcullis/platform/persistence';
import { SERVICE_CONFIG } from '@portcullis/platform/service';
import { randomUUID } from 'node:crypto';
import { DataSource, ILike, In } from 'typeorm';
import { IdentityConfig } from '../config/identity.config';
import { UserEntity } from './user.entity';
import { UsersErrorCode, UsersException } from './users.exception';

export interface IdpProfile {
  issuer: string;
  subject: string;
  email: string | null;
  displayName: string | null;
  groups: string[];
}

export function toUserSummary(user: UserEntity): UserSummary {
  return {
    userId: user.id,
    email: user.email,
    displayName: user.displayName,
    groups: user.groups,
    admin: user.admin,
    disabled: user.disabled,
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
  };
}

@Injectable()
export class UsersService implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly responder: Responder,
    @Inject(SERVICE_CONFIG) private readonly config: IdentityConfig,
  ) {}

  onModuleInit(): void {
    this.responder.serve(IdentityUsersListV1, (request) => this.list(request));
    this.responder.serve(IdentityGroupsListV1, () => this.listGroups());
  }

  /**
   * Records a sign-in: creates or refreshes the person, replaces their groups with the IdP's
   * current list and publishes the change with it, in one transaction.
   */
  async recordLogin(profile: IdpProfile): Promise<UserEntity> {
    const groups = [...new Set(profile.groups)].sort();
    const admin = groups.includes(this.config.ADMIN_GROUP);
    return this.outbox.transaction(async (manager, events) => {
      const users = manager.getRepository(UserEntity);
      const existing = await users.findOne({
        where: { issuer: profile.issuer, idpSubject: profile.subject },
        lock: { mode: 'pessimistic_write' },
      });
      if (existing?.disabled) throw new UsersException(UsersErrorCode.Disabled, 'this account is disabled in Portcullis');
      const user = users.create({
        ...(existing ?? {}),
        issuer: profile.issuer,
        idpSubject: profile.subject,
        email: profile.email,
        displayName: profile.displayName,
        groups,
        admin,
        lastLoginAt: new Date(),
      });
      const saved = await users.save(user);
      await events.add(Subjects.identityUserUpserted, {
        id: randomUUID(),
        occurredAt: new Date().toISOString(),
        userId: saved.id,
        issuer: saved.issuer,
        idpSubject: saved.idpSubject,
        email: saved.email,
        displayName: saved.displayName,
        groups: saved.groups,
        admin: saved.admin,
        disabled: saved.disabled,
        lastLoginAt: (saved.lastLoginAt ?? new Date()).toISOString(),
      });
      return saved;
    });
  }

  findById(userId: string): Promise<UserEntity | null> {
    return this.dataSource.getRepository(UserEntity).findOneBy({ id: userId });
  }

  async list(request: IdentityUsersListRequestV1): Promise<IdentityUsersListResponseV1> {
    const search = request.search?.trim();
    const pattern = search ? `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
    const users = await this.dataSource.getRepository(UserEntity).find({
      where: request.userIds
        ? { id: In(request.userIds.filter(isUuid)) }
        : pattern
          ? [{ email: ILike(pattern) }, { displayName: ILike(pattern) }]
          : {},
      order: { lastLoginAt: { direction: 'DESC', nulls: 'LAST' }, id: 'ASC' },
      take: request.limit,
    });
    return { users: users.map(toUserSummary) };
  }

  async listGroups(): Promise<IdentityGroupsListResponseV1> {
    const rows: Array<{ name: string; member_count: number }> = await this.dataSource
      .getRepository(UserEntity)
      .createQueryBuilder('user')
      .select('unnest(user.groups)', 'name')
      .addSelect('count(*)::int', 'member_count')
      .groupBy('name')
      .orderBy('name')
      .getRawMany();
    return { groups: rows.map((row) => ({ name: row.name, memberCount: row.member_count })) };
  }
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
