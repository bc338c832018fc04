import { EffectiveAccessEntry, PolicyRule } from '@portcullis/contracts';
import { BindingSpec } from '../clusters/cluster-api';
import { bindingName, customClusterRoleName, MANAGED_BY, MANAGED_BY_LABEL, userLabels } from './jit-names';

export interface RbacPlan {
  /** Custom roles, as the ClusterRoles the provisioner manages. */
  clusterRoles: Array<{ name: string; rules: PolicyRule[] }>;
  bindings: BindingSpec[];
}

export interface JitSubject {
  namespace: string;
  name: string;
  userHash: string;
}

/**
 * What a person's grants on one cluster mean in RBAC: built-in roles bind the cluster's own
 * ClusterRole of that name, custom roles a ClusterRole carrying their rules; a cluster-wide
 * grant becomes a ClusterRoleBinding, a namespace-limited one a RoleBinding per namespace.
 * Duplicates collapse, and a RoleBinding is left out where a ClusterRoleBinding of the same
 * role already covers every namespace.
 */
export function planRbac(entries: EffectiveAccessEntry[], subject: JitSubject): RbacPlan {
  const clusterRoles = new Map<string, PolicyRule[]>();
  const bindings = new Map<string, BindingSpec>();
  const clusterWideRoles = new Set(entries.filter((entry) => entry.namespaces.length === 0).map((entry) => entry.role.name));

  for (const entry of entries) {
    const role = entry.role;
    const clusterRole = role.builtIn ? role.name : customClusterRoleName(role.name);
    if (!role.builtIn) clusterRoles.set(clusterRole, role.rules);
    const namespaces = entry.namespaces.length === 0 ? [null] : clusterWideRoles.has(role.name) ? [] : entry.namespaces;
    for (const namespace of namespaces) {
      const binding: BindingSpec = {
        namespace,
        name: bindingName(subject.name, role.name),
        clusterRole,
        labels: userLabels(subject.userHash),
        subject: { namespace: subject.namespace, name: subject.name },
      };
      bindings.set(bindingKey(binding), binding);
    }
  }
  return {
    clusterRoles: [...clusterRoles].map(([name, rules]) => ({ name, rules })),
    bindings: [...bindings.values()],
  };
}

export function bindingKey(binding: Pick<BindingSpec, 'namespace' | 'name'>): string {
  return `${binding.namespace ?? '*'}/${binding.name}`;
}

/** Labels of the ClusterRoles the provisioner manages (shared by everyone granted the role). */
export const managedLabels = { [MANAGED_BY_LABEL]: MANAGED_BY };
