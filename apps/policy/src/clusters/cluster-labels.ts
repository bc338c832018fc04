// Label keys and values as Kubernetes validates them, because selectors written here must mean
// what an operator used to `kubectl get -l` expects.
const namePart = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The first problem with a label map, or null when every key and value is valid. */
export function labelProblem(labels: Record<string, string>): string | null {
  for (const [key, value] of Object.entries(labels)) {
    const slash = key.lastIndexOf('/');
    const prefix = slash >= 0 ? key.slice(0, slash) : null;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (prefix !== null && (prefix.length > 253 || !dnsSubdomain.test(prefix))) return `label key "${key}": the prefix must be a DNS subdomain`;
    if (name.length > 63 || !namePart.test(name)) return `label key "${key}": must be at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric`;
    if (typeof value !== 'string' || (value !== '' && (value.length > 63 || !namePart.test(value)))) {
      return `label "${key}": the value must be empty or at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric`;
    }
  }
  return null;
}

/** Equality-based selection: every selector label is present with the same value (`{}` selects everything). */
export function labelsMatch(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** Same labels in key order, so equal maps serialise equally. */
export function sortedLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
