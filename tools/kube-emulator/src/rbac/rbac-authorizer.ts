import type { KubeObject, PolicyRule, RoleRef, Subject, UserInfo } from '../api/kube-object';
import type { ObjectStore } from '../store/object-store';
import { ruleAllows, type RuleRequest } from './policy-rules';

// RBAC as kube-apiserver evaluates it: members of system:masters pass (the privileged-group
// authorizer runs before RBAC), then ClusterRoleBindings, then RoleBindings of the request's
// namespace; the first rule that allows wins, nothing ever denies explicitly.

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
const CLUSTER_ROLES = `${RBAC_GROUP}/clusterroles`;
const CLUSTER_ROLE_BINDINGS = `${RBAC_GROUP}/clusterrolebindings`;
const ROLES = `${RBAC_GROUP}/roles`;
const ROLE_BINDINGS = `${RBAC_GROUP}/rolebindings`;

export interface AuthorizationAttributes extends RuleRequest {
  user: UserInfo;
  namespace: string;
}

export interface Decision {
  allowed: boolean;
  /** Why, in RBAC's words (`RBAC: allowed by ...`), or resolution errors on a denial. */
  reason: string;
}

export interface ResolvedRules {
  rules: PolicyRule[];
  errors: string[];
}

interface Binding extends KubeObject {
  roleRef: RoleRef;
  subjects?: Subject[];
}

export class RbacAuthorizer {
  constructor(private readonly store: ObjectStore) {}

  authorize(attributes: AuthorizationAttributes): Decision {
    if (attributes.user.groups.includes('system:masters')) return { allowed: true, reason: '' };
    const errors: string[] = [];
    let allowedBy = '';
    this.visitRules(attributes.user, attributes.namespace, errors, (rule, source) => {
      if (ruleAllows(rule, attributes)) {
        allowedBy = source;
        return true;
      }
      return false;
    });
    if (allowedBy) return { allowed: true, reason: `RBAC: allowed by ${allowedBy}` };
    return { allowed: false, reason: errors.length ? `RBAC: ${aggregate(errors)}` : '' };
  }

  /** Every rule that applies to the user in a namespace ('' = cluster-wide bindings only). */
  rulesFor(user: UserInfo, namespace: string): ResolvedRules {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRules(user, namespace, errors, (rule) => {
      rules.push(rule);
      return false;
    });
    return { rules, errors };
  }

  /** The rules a roleRef points at, as seen from a binding in `namespace`. */
  roleRefRules(roleRef: RoleRef, namespace: string): PolicyRule[] {
    const role =
      roleRef.kind === 'Role'
        ? this.store.get(ROLES, namespace, roleRef.name)
        : roleRef.kind === 'ClusterRole'
          ? this.store.get(CLUSTER_ROLES, undefined, roleRef.name)
          : undefined;
    if (!role) {
      const kind = roleRef.kind === 'Role' ? 'role' : 'clusterrole';
      throw new Error(`${kind}.${RBAC_GROUP} "${roleRef.name}" not found`);
    }
    return (role.object.rules as PolicyRule[] | undefined) ?? [];
  }

  private visitRules(user: UserInfo, namespace: string, errors: string[], visit: (rule: PolicyRule, source: string) => boolean): void {
    for (const stored of this.store.list(CLUSTER_ROLE_BINDINGS)) {
      const binding = stored.object as Binding;
      const subject = (binding.subjects ?? []).find((s) => appliesTo(s, user, ''));
      if (!subject) continue;
      const rules = this.rulesOf(binding, '', errors);
      const source = `ClusterRoleBinding "${binding.metadata.name}" of ${binding.roleRef.kind} "${binding.roleRef.name}" to ${describeSubject(subject, '')}`;
      if (rules.some((r) => visit(r, source))) return;
    }
    if (!namespace) return;
    for (const stored of this.store.list(ROLE_BINDINGS, namespace)) {
      const binding = stored.object as Binding;
      const subject = (binding.subjects ?? []).find((s) => appliesTo(s, user, namespace));
      if (!subject) continue;
      const rules = this.rulesOf(binding, namespace, errors);
      const source = `RoleBinding "${binding.metadata.name}/${namespace}" of ${binding.roleRef.kind} "${binding.roleRef.name}" to ${describeSubject(subject, namespace)}`;
      if (rules.some((r) => visit(r, source))) return;
    }
  }

  private rulesOf(binding: Binding, namespace: string, errors: string[]): PolicyRule[] {
    try {
      return this.roleRefRules(binding.roleRef, namespace);
    } catch (e) {
      errors.push((e as Error).message);
      return [];
    }
  }
}

function appliesTo(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.username === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount':
      return user.username === `system:serviceaccount:${subject.namespace || bindingNamespace}:${subject.name}`;
    default:
      return false;
  }
}

function describeSubject(subject: Subject, bindingNamespace: string): string {
  if (subject.kind === 'ServiceAccount') return `ServiceAccount "${subject.name}/${subject.namespace || bindingNamespace}"`;
  return `${subject.kind} "${subject.name}"`;
}

function aggregate(errors: string[]): string {
  return errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
}

/** The part after `<resource> is forbidden: `, in the apiserver's wording. */
export function forbiddenReason(a: AuthorizationAttributes): string {
  if (!a.isResourceRequest) return `User "${a.user.username}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `User "${a.user.username}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${scope}`;
}
