import { sameJson, type KubeObject, type PolicyRule, type RoleRef, type Subject } from '../api/kube-object';
import { FieldError } from '../api/status-error';
import { RBAC_GROUP } from '../rbac/rbac-authorizer';
import { BASE_STRATEGY, type ResourceStrategy } from './resource-strategy';

function validateRules(rules: PolicyRule[] | undefined, namespaced: boolean): FieldError[] {
  const errors: FieldError[] = [];
  (rules ?? []).forEach((r, i) => {
    const at = `rules[${i}]`;
    if (!r.verbs?.length) errors.push(FieldError.required(`${at}.verbs`, 'verbs must contain at least one value'));
    if (r.nonResourceURLs?.length) {
      if (namespaced) errors.push(FieldError.invalid(`${at}.nonResourceURLs`, r.nonResourceURLs.join(','), 'namespaced rules cannot apply to non-resource URLs'));
      if (r.apiGroups?.length || r.resources?.length) {
        errors.push(FieldError.invalid(`${at}.nonResourceURLs`, r.nonResourceURLs.join(','), 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (!r.apiGroups?.length) errors.push(FieldError.required(`${at}.apiGroups`, 'resource rules must supply at least one api group'));
    if (!r.resources?.length) errors.push(FieldError.required(`${at}.resources`, 'resource rules must supply at least one resource'));
  });
  return errors;
}

function defaultSubjects(binding: KubeObject): void {
  const roleRef = binding.roleRef as RoleRef | undefined;
  if (roleRef && !roleRef.apiGroup) roleRef.apiGroup = RBAC_GROUP;
  for (const s of (binding.subjects as Subject[] | undefined) ?? []) {
    if ((s.kind === 'User' || s.kind === 'Group') && !s.apiGroup) s.apiGroup = RBAC_GROUP;
    if (s.kind === 'ServiceAccount' && s.apiGroup === undefined) s.apiGroup = '';
  }
}

function validateBinding(binding: KubeObject, old: KubeObject | undefined, clusterScoped: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const roleRef = binding.roleRef as RoleRef | undefined;
  const kinds = clusterScoped ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (!roleRef?.name) errors.push(FieldError.required('roleRef.name', ''));
  if (!kinds.includes(roleRef?.kind ?? '')) errors.push(FieldError.notSupported('roleRef.kind', roleRef?.kind ?? '', kinds));
  if (roleRef && roleRef.apiGroup !== RBAC_GROUP) errors.push(FieldError.notSupported('roleRef.apiGroup', roleRef.apiGroup, [RBAC_GROUP]));
  ((binding.subjects as Subject[] | undefined) ?? []).forEach((s, i) => {
    const at = `subjects[${i}]`;
    if (!s.name) errors.push(FieldError.required(`${at}.name`, ''));
    if (!['User', 'Group', 'ServiceAccount'].includes(s.kind)) {
      errors.push(FieldError.notSupported(`${at}.kind`, s.kind, ['ServiceAccount', 'User', 'Group']));
    }
    if (s.kind === 'ServiceAccount' && clusterScoped && !s.namespace) errors.push(FieldError.required(`${at}.namespace`, ''));
  });
  if (old && !sameJson(old.roleRef, binding.roleRef)) {
    errors.push(FieldError.invalid('roleRef', JSON.stringify(binding.roleRef), 'cannot change roleRef'));
  }
  return errors;
}

export const ROLE_STRATEGY: ResourceStrategy = {
  ...BASE_STRATEGY,
  nameFormat: 'path-segment',
  validate: (role) => validateRules(role.rules as PolicyRule[] | undefined, true),
};

export const CLUSTER_ROLE_STRATEGY: ResourceStrategy = {
  ...BASE_STRATEGY,
  nameFormat: 'path-segment',
  validate: (role) => validateRules(role.rules as PolicyRule[] | undefined, false),
};

export const ROLE_BINDING_STRATEGY: ResourceStrategy = {
  ...BASE_STRATEGY,
  nameFormat: 'path-segment',
  prepareForCreate: defaultSubjects,
  prepareForUpdate: defaultSubjects,
  validate: (binding, old) => validateBinding(binding, old, false),
};

export const CLUSTER_ROLE_BINDING_STRATEGY: ResourceStrategy = {
  ...ROLE_BINDING_STRATEGY,
  validate: (binding, old) => validateBinding(binding, old, true),
};
