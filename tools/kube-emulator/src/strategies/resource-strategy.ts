import type { KubeObject } from '../api/kube-object';
import { FieldError } from '../api/status-error';
import type { Clock } from '../clock';

// Per-resource behaviour on create and update, after Kubernetes' REST strategies: defaulting,
// fields the server owns (status, allocated IPs), and validation with the same field paths.

export interface StrategyContext {
  clock: Clock;
  allocateClusterIP(): string;
  allocatePodIP(): string;
  allocateNodePort(): number;
}

export type NameFormat = 'dns-subdomain' | 'dns-label' | 'dns-1035-label' | 'path-segment';

export interface ResourceStrategy {
  nameFormat: NameFormat;
  /** The resource has a status subresource: the main resource ignores status changes and vice versa. */
  hasStatus: boolean;
  /** metadata.generation counts spec changes. */
  tracksGeneration: boolean;
  prepareForCreate(obj: KubeObject, ctx: StrategyContext): void;
  prepareForUpdate(obj: KubeObject, old: KubeObject, ctx: StrategyContext): void;
  validate(obj: KubeObject, old?: KubeObject): FieldError[];
}

export const BASE_STRATEGY: ResourceStrategy = {
  nameFormat: 'dns-subdomain',
  hasStatus: false,
  tracksGeneration: false,
  prepareForCreate: () => undefined,
  prepareForUpdate: () => undefined,
  validate: () => [],
};

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Errors for metadata.name in the given format, worded as apimachinery's validators word them. */
export function validateName(name: string, format: NameFormat, field = 'metadata.name'): FieldError[] {
  switch (format) {
    case 'dns-subdomain': {
      const errors: FieldError[] = [];
      if (name.length > 253) errors.push(FieldError.invalid(field, name, 'must be no more than 253 characters'));
      if (!SUBDOMAIN.test(name)) {
        errors.push(
          FieldError.invalid(
            field,
            name,
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
          ),
        );
      }
      return errors;
    }
    case 'dns-label': {
      const errors: FieldError[] = [];
      if (name.length > 63) errors.push(FieldError.invalid(field, name, 'must be no more than 63 characters'));
      if (!LABEL.test(name)) {
        errors.push(
          FieldError.invalid(
            field,
            name,
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
          ),
        );
      }
      return errors;
    }
    case 'dns-1035-label': {
      const errors: FieldError[] = [];
      if (name.length > 63) errors.push(FieldError.invalid(field, name, 'must be no more than 63 characters'));
      if (!DNS_1035.test(name)) {
        errors.push(
          FieldError.invalid(
            field,
            name,
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
          ),
        );
      }
      return errors;
    }
    case 'path-segment':
      if (name === '.' || name === '..') return [FieldError.invalid(field, name, `may not be '${name}'`)];
      if (name.includes('/')) return [FieldError.invalid(field, name, "may not contain '/'")];
      if (name.includes('%')) return [FieldError.invalid(field, name, "may not contain '%'")];
      return [];
  }
}

/** Container defaults shared by pods and pod templates. */
export function defaultPodSpec(spec: Record<string, unknown>): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const list of ['initContainers', 'containers'] as const) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    for (const c of containers as Array<Record<string, unknown>>) {
      const image = String(c.image ?? '');
      c.imagePullPolicy ??= image.endsWith(':latest') || !/:[^/]+$/.test(image) ? 'Always' : 'IfNotPresent';
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
      c.resources ??= {};
      if (Array.isArray(c.ports)) for (const p of c.ports as Array<Record<string, unknown>>) p.protocol ??= 'TCP';
    }
  }
}

export function validatePodSpec(spec: unknown, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const containers = (spec as { containers?: unknown } | undefined)?.containers;
  if (!Array.isArray(containers) || containers.length === 0) return [FieldError.required(`${path}.containers`, '')];
  const names = new Set<string>();
  containers.forEach((c: { name?: string; image?: string }, i) => {
    const at = `${path}.containers[${i}]`;
    if (!c.name) errors.push(FieldError.required(`${at}.name`, ''));
    else {
      errors.push(...validateName(c.name, 'dns-label', `${at}.name`));
      if (names.has(c.name)) errors.push(FieldError.duplicate(`${at}.name`, c.name));
      names.add(c.name);
    }
    if (!c.image) errors.push(FieldError.required(`${at}.image`, ''));
  });
  return errors;
}
