import { PolicyRule, policyRule, validate } from '@portcullis/contracts';
import { z } from 'zod';
import { RoleErrorCode, RoleException } from './role.exception';

/** The verbs Kubernetes RBAC knows; anything else is almost certainly a typo that would grant nothing. */
export const knownVerbs = [
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
  'impersonate',
  'bind',
  'escalate',
  'use',
  'approve',
  'sign',
  '*',
] as const;

const MAX_RULES = 100;
const verbSet = new Set<string>(knownVerbs);

/**
 * Validates custom-role rules the way the API server validates a ClusterRole, so the
 * provisioner never meets a rule its cluster refuses: resource rules need resources and API
 * groups; non-resource URLs stand alone (no resources, API groups or resource names) and
 * are paths, with `*` only at the end.
 */
export function parsePolicyRules(input: unknown): PolicyRule[] {
  const parsed = validate(z.array(policyRule).min(1, 'a custom role needs at least one rule').max(MAX_RULES), input);
  if (!parsed.ok) throw invalid(parsed.reason);
  parsed.value.forEach((rule, index) => {
    const at = `rules.${index}`;
    const unknownVerb = rule.verbs.find((verb) => !verbSet.has(verb));
    if (unknownVerb !== undefined) throw invalid(`${at}.verbs: unknown verb "${unknownVerb}" (known: ${knownVerbs.join(', ')})`);
    if (rule.nonResourceURLs.length > 0) {
      if (rule.resources.length > 0 || rule.apiGroups.length > 0 || rule.resourceNames.length > 0) {
        throw invalid(`${at}: nonResourceURLs cannot be combined with resources, apiGroups or resourceNames`);
      }
      const badUrl = rule.nonResourceURLs.find((url) => !/^\/[^*]*\*?$/.test(url) && url !== '*');
      if (badUrl !== undefined) throw invalid(`${at}.nonResourceURLs: "${badUrl}" must be a path starting with "/" (a "*" only at the end)`);
      return;
    }
    if (rule.resources.length === 0) throw invalid(`${at}: give resources (or nonResourceURLs)`);
    if (rule.apiGroups.length === 0) throw invalid(`${at}.apiGroups: resource rules need at least one API group ("" is the core group)`);
  });
  return parsed.value;
}

function invalid(message: string): RoleException {
  return new RoleException(RoleErrorCode.InvalidInput, message);
}
