import { sameJson, type KubeObject, type PolicyRule, type RoleRef, type UserInfo } from '../api/kube-object';
import { StatusError } from '../api/status-error';
import type { RequestInfo } from '../api/request-info-parser';
import { compactRules, compactString, coveringGaps } from './policy-rules';
import { RBAC_GROUP, type RbacAuthorizer } from './rbac-authorizer';

// Privilege-escalation prevention on writes to roles and bindings: a user may only create or change
// a role whose rules they already hold (or with the `escalate` verb), and only bind a role whose
// rules they hold (or with the `bind` verb on it). system:masters is exempt.

const FULL_AUTHORITY: PolicyRule[] = [
  { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
  { nonResourceURLs: ['*'], verbs: ['*'] },
];

export class EscalationGuard {
  constructor(private readonly authorizer: RbacAuthorizer) {}

  checkRole(user: UserInfo, info: RequestInfo, role: KubeObject, previous?: KubeObject): void {
    if (this.exempt(user) || (previous && onlyGarbageCollectionFieldsChange(role, previous))) return;
    if (this.allows(user, 'escalate', info.resource, info.name, info.namespace)) return;
    const gr = { group: RBAC_GROUP, resource: info.resource };
    const name = role.metadata.name ?? '';
    this.confirmNoEscalation(user, info.namespace, (role.rules as PolicyRule[] | undefined) ?? [], gr, name);
    if (role.aggregationRule && this.missing(user, info.namespace, FULL_AUTHORITY).length > 0) {
      throw StatusError.forbidden(gr, name, 'must have cluster-admin privileges to use the aggregationRule');
    }
  }

  checkBinding(user: UserInfo, info: RequestInfo, binding: KubeObject, previous?: KubeObject): void {
    if (this.exempt(user) || (previous && onlyGarbageCollectionFieldsChange(binding, previous))) return;
    const roleRef = binding.roleRef as RoleRef;
    const namespace = info.namespace;
    const roleResource = roleRef.kind === 'Role' ? 'roles' : 'clusterroles';
    if (this.allows(user, 'bind', roleResource, roleRef.name, namespace)) return;
    const gr = { group: RBAC_GROUP, resource: info.resource };
    const name = binding.metadata.name ?? '';
    let rules: PolicyRule[];
    try {
      rules = this.authorizer.roleRefRules(roleRef, namespace);
    } catch (e) {
      throw StatusError.forbidden(gr, name, (e as Error).message);
    }
    this.confirmNoEscalation(user, namespace, rules, gr, name);
  }

  private exempt(user: UserInfo): boolean {
    return user.groups.includes('system:masters');
  }

  private allows(user: UserInfo, verb: string, resource: string, name: string, namespace: string): boolean {
    return this.authorizer.authorize({
      user,
      verb,
      isResourceRequest: true,
      apiGroup: RBAC_GROUP,
      resource,
      subresource: '',
      name,
      namespace,
      path: '',
    }).allowed;
  }

  private missing(user: UserInfo, namespace: string, rules: PolicyRule[]): PolicyRule[] {
    return coveringGaps(this.authorizer.rulesFor(user, namespace).rules, rules);
  }

  private confirmNoEscalation(user: UserInfo, namespace: string, rules: PolicyRule[], gr: { group: string; resource: string }, name: string): void {
    const { errors } = this.authorizer.rulesFor(user, namespace);
    const missing = this.missing(user, namespace, rules);
    if (missing.length === 0) return;
    const described = [...new Set(compactRules(missing).map(compactString))].sort();
    const groups = `[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]`;
    let message = `user ${JSON.stringify(user.username)} (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${described.join('\n')}`;
    if (errors.length) message += `; resolution errors: [${errors.join(' ')}]`;
    throw StatusError.forbidden(gr, name, message);
  }
}

function onlyGarbageCollectionFieldsChange(next: KubeObject, previous: KubeObject): boolean {
  const strip = (o: KubeObject) => {
    const { ownerReferences: _o, finalizers: _f, resourceVersion: _r, managedFields: _m, ...metadata } = o.metadata;
    return { ...o, metadata };
  };
  return sameJson(strip(next), strip(previous));
}
