import type { UserInfo } from '../api/kube-object';
import { StatusError } from '../api/status-error';
import { forbiddenReason, type AuthorizationAttributes, type RbacAuthorizer } from '../rbac/rbac-authorizer';

// Impersonate-User / -Group / -Uid / -Extra-*: honoured only when the requester holds the
// `impersonate` verb on each thing asked for (users, groups, serviceaccounts, uids, userextras),
// checked and worded as kube-apiserver's impersonation filter does.

export interface ImpersonationHeaders {
  user?: string;
  groups: string[];
  uid?: string;
  extra: Record<string, string[]>;
}

const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';

export class Impersonator {
  constructor(private readonly authorizer: RbacAuthorizer) {}

  /** The user to act as: the requester itself when nothing is impersonated. */
  apply(requester: UserInfo, requested: ImpersonationHeaders): UserInfo {
    const hasOthers = requested.groups.length > 0 || requested.uid !== undefined || Object.keys(requested.extra).length > 0;
    if (requested.user === undefined) {
      if (hasOthers) throw StatusError.internal(`requested impersonation of groups, uid or extra without impersonating a user`);
      return requester;
    }
    const username = requested.user;
    let groups = [...requested.groups];
    if (username.startsWith(SERVICE_ACCOUNT_PREFIX)) {
      const [namespace, name] = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
      this.require(requester, { resource: 'serviceaccounts', namespace: namespace ?? '', name: name ?? '' });
      if (groups.length === 0) groups = ['system:serviceaccounts', `system:serviceaccounts:${namespace}`];
    } else {
      this.require(requester, { resource: 'users', name: username });
    }
    for (const group of requested.groups) this.require(requester, { resource: 'groups', name: group });
    if (requested.uid !== undefined) this.require(requester, { resource: 'uids', apiGroup: 'authentication.k8s.io', name: requested.uid });
    for (const [key, values] of Object.entries(requested.extra)) {
      for (const value of values) {
        this.require(requester, { resource: 'userextras', subresource: key, apiGroup: 'authentication.k8s.io', name: value });
      }
    }
    if (username === 'system:anonymous') groups.push('system:unauthenticated');
    else if (!groups.includes('system:authenticated')) groups.push('system:authenticated');
    return {
      username,
      groups,
      ...(requested.uid !== undefined ? { uid: requested.uid } : {}),
      ...(Object.keys(requested.extra).length ? { extra: requested.extra } : {}),
    };
  }

  private require(
    requester: UserInfo,
    target: { resource: string; name: string; namespace?: string; apiGroup?: string; subresource?: string },
  ): void {
    const attributes: AuthorizationAttributes = {
      user: requester,
      verb: 'impersonate',
      isResourceRequest: true,
      apiGroup: target.apiGroup ?? '',
      resource: target.resource,
      subresource: target.subresource ?? '',
      name: target.name,
      namespace: target.namespace ?? '',
      path: '',
    };
    const decision = this.authorizer.authorize(attributes);
    if (decision.allowed) return;
    const reason = forbiddenReason(attributes) + (decision.reason ? `: ${decision.reason}` : '');
    throw StatusError.forbidden({ group: attributes.apiGroup, resource: target.resource }, target.name, reason);
  }
}
