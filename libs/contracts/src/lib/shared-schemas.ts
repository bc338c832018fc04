import { z } from 'zod';

/** A Kubernetes DNS label (RFC 1123): cluster names become kubeconfig context names and URL path segments. */
export const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a DNS label: lower-case letters, digits and "-", at most 63');

/** A Kubernetes RBAC PolicyRule, as custom roles are written. */
export const policyRule = z
  .object({
    apiGroups: z.array(z.string()).default([]),
    resources: z.array(z.string().min(1)).default([]),
    resourceNames: z.array(z.string().min(1)).default([]),
    nonResourceURLs: z.array(z.string().min(1)).default([]),
    verbs: z.array(z.string().min(1)).min(1),
  })
  .strict();
export type PolicyRule = z.infer<typeof policyRule>;

export const timestamp = z.iso.datetime({ offset: true });

/** A person as the control plane knows them; `userId` is Portcullis' own stable id. */
export const userSummary = z
  .object({
    userId: z.string().min(1),
    email: z.email().nullable(),
    displayName: z.string().nullable(),
    groups: z.array(z.string().min(1)),
    admin: z.boolean(),
    disabled: z.boolean(),
    lastLoginAt: timestamp.nullable(),
  })
  .strict();
export type UserSummary = z.infer<typeof userSummary>;
