import type { PolicyRule } from '../api/kube-object';

// How RBAC matches one rule against a request, and when one set of rules covers another (used to
// stop privilege escalation through roles and bindings). Semantics follow Kubernetes' rbac/v1
// helpers: `*` wildcards, `*/subresource`, resourceNames, and nonResourceURLs ending in `*`.

export interface RuleRequest {
  isResourceRequest: boolean;
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  name: string;
  path: string;
}

export function ruleAllows(rule: PolicyRule, request: RuleRequest): boolean {
  if (!verbMatches(rule, request.verb)) return false;
  if (!request.isResourceRequest) return nonResourceURLMatches(rule, request.path);
  const combined = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
  return (
    apiGroupMatches(rule, request.apiGroup) &&
    resourceMatches(rule, combined, request.subresource) &&
    (!rule.resourceNames?.length || rule.resourceNames.includes(request.name))
  );
}

function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.includes('*') || rule.verbs.includes(verb);
}

function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === '*' || g === group);
}

function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  return (rule.resources ?? []).some(
    (r) => r === '*' || r === combined || (subresource !== '' && r === `*/${subresource}`),
  );
}

function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''))),
  );
}

/** Splits a rule into rules of one group, one resource, one verb and at most one name (or one URL). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs) {
        if (rule.resourceNames?.length) {
          for (const name of rule.resourceNames) {
            out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
          }
        } else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) {
    for (const verb of rule.verbs) out.push({ nonResourceURLs: [url], verbs: [verb] });
  }
  return out;
}

/** Whether `owner` grants everything in `servant`; returns the atomic rules it does not grant. */
export function coveringGaps(owner: PolicyRule[], servant: PolicyRule[]): PolicyRule[] {
  return servant.flatMap(breakdownRule).filter((sub) => !owner.some((o) => ruleCovers(o, sub)));
}

function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const hasAll = (set: string[] | undefined, items: string[] | undefined) => (items ?? []).every((i) => (set ?? []).includes(i));
  const verbs = owner.verbs.includes('*') || hasAll(owner.verbs, sub.verbs);
  const groups = (owner.apiGroups ?? []).includes('*') || hasAll(owner.apiGroups, sub.apiGroups);
  const names = !owner.resourceNames?.length || (!!sub.resourceNames?.length && hasAll(owner.resourceNames, sub.resourceNames));
  return verbs && groups && names && resourcesCover(owner.resources ?? [], sub.resources ?? []) && urlsCover(owner.nonResourceURLs ?? [], sub.nonResourceURLs ?? []);
}

function resourcesCover(owner: string[], wanted: string[]): boolean {
  if (owner.includes('*')) return true;
  return wanted.every((r) => {
    if (owner.includes(r)) return true;
    const slash = r.indexOf('/');
    return slash >= 0 && owner.includes(`*/${r.slice(slash + 1)}`);
  });
}

function urlsCover(owner: string[], wanted: string[]): boolean {
  return wanted.every((path) =>
    owner.some((o) => o === path || (o.endsWith('*') && path.startsWith(o.replace(/\*+$/, '')))),
  );
}

/** Merges atomic rules that differ only in verbs, as the escalation error lists them. */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const merged = new Map<string, PolicyRule>();
  const out: PolicyRule[] = [];
  for (const r of rules) {
    const simple = r.apiGroups?.length === 1 && r.resources?.length === 1 && !r.resourceNames?.length && !r.nonResourceURLs?.length;
    if (!simple) {
      out.push(r);
      continue;
    }
    const key = `${r.apiGroups![0]}|${r.resources![0]}`;
    const existing = merged.get(key);
    if (existing) existing.verbs = [...new Set([...existing.verbs, ...r.verbs])];
    else {
      const copy = { ...r, verbs: [...r.verbs] };
      merged.set(key, copy);
      out.push(copy);
    }
  }
  return out;
}

/** The `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}` form used in RBAC messages. */
export function compactString(rule: PolicyRule): string {
  const q = (items: string[]) => `[${items.map((i) => JSON.stringify(i)).join(' ')}]`;
  const parts: string[] = [];
  if (rule.apiGroups?.length) parts.push(`APIGroups:${q(rule.apiGroups)}`);
  if (rule.resources?.length) parts.push(`Resources:${q(rule.resources)}`);
  if (rule.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(rule.nonResourceURLs)}`);
  if (rule.resourceNames?.length) parts.push(`ResourceNames:${q(rule.resourceNames)}`);
  if (rule.verbs.length) parts.push(`Verbs:${q(rule.verbs)}`);
  return `{${parts.join(', ')}}`;
}
