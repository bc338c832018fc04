import { createHash } from 'node:crypto';

// The names and labels the provisioner puts on clusters. They are persistent state (objects on
// clusters outlive deployments): never change them without a migration of what exists.

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'portcullis';
export const USER_HASH_LABEL = 'portcullis.dev/user-hash';
export const USER_ID_ANNOTATION = 'portcullis.dev/user-id';
export const EMAIL_ANNOTATION = 'portcullis.dev/email';

/** Selects every object the provisioner manages. */
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** 64 bits of SHA-256 of the user id: stable, DNS-label-safe, and says nothing readable about the person. */
export function userHash(userId: string): string {
  return sha256Hex(userId).slice(0, 16);
}

export function serviceAccountName(userId: string): string {
  return `pc-${userHash(userId)}`;
}

/** Selects every object of one person's JIT ServiceAccount. */
export function userSelector(hash: string): string {
  return `${MANAGED_SELECTOR},${USER_HASH_LABEL}=${hash}`;
}

export function userLabels(hash: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGED_BY, [USER_HASH_LABEL]: hash };
}

// Policy names roles with DNS labels; anything else (the contract allows it) is hashed into one.
function roleSlug(role: string): string {
  return DNS_LABEL.test(role) ? role : `r-${sha256Hex(role).slice(0, 12)}`;
}

/**
 * The ClusterRole that carries a custom role's rules. No ':' in it, unlike Kubernetes' own
 * `system:` names: such names need percent-encoding in URLs, which not every API server
 * implementation (the project's emulator, for one) decodes.
 */
export function customClusterRoleName(role: string): string {
  return `portcullis-role-${roleSlug(role)}`;
}

/** One binding per ServiceAccount and role; the namespace tells a RoleBinding from a ClusterRoleBinding. */
export function bindingName(serviceAccount: string, role: string): string {
  return `${serviceAccount}-${roleSlug(role)}`;
}
