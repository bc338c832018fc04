import { isRecord } from '../api/kube-object';

// Strategic merge patch (`application/strategic-merge-patch+json`, what `kubectl apply` and
// `kubectl edit` send) for the built-in types served here. Lists listed below merge by their
// patch merge key (containers by name, ports by containerPort/port, ...); other lists are
// replaced. Directives: `$patch: replace|delete|merge`, `$retainKeys`, `$setElementOrder/<field>`
// and `$deleteFromPrimitiveList/<field>`.

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);
const PRIMITIVE_MERGE = Symbol('primitive-merge');

type MergeStrategy = string | typeof PRIMITIVE_MERGE | undefined;

/** The patch merge key (or set-union for primitive lists) of the list at `path`, per the Kubernetes types. */
function mergeStrategy(path: string[]): MergeStrategy {
  const field = path[path.length - 1];
  const parent = path[path.length - 2];
  switch (field) {
    case 'containers':
    case 'initContainers':
    case 'ephemeralContainers':
    case 'volumes':
    case 'imagePullSecrets':
      return 'name';
    case 'env':
      return CONTAINER_LISTS.has(parent) ? 'name' : undefined;
    case 'ports':
      return CONTAINER_LISTS.has(parent) ? 'containerPort' : 'port';
    case 'volumeMounts':
      return 'mountPath';
    case 'volumeDevices':
      return 'devicePath';
    case 'conditions':
      return 'type';
    case 'ownerReferences':
      return 'uid';
    case 'hostAliases':
      return 'ip';
    case 'topologySpreadConstraints':
      return 'topologyKey';
    case 'finalizers':
      return parent === 'metadata' ? PRIMITIVE_MERGE : undefined;
    default:
      return undefined;
  }
}

export function applyStrategicMergePatch(original: unknown, patch: unknown): unknown {
  return mergeValue(original, patch, []);
}

function mergeValue(original: unknown, patch: unknown, path: string[]): unknown {
  if (!isRecord(patch)) return structuredClone(patch);
  const directive = patch.$patch;
  if (directive === 'replace') return mergeValue(undefined, withoutKey(patch, '$patch'), path);
  if (directive === 'delete') return undefined;

  const result: Record<string, unknown> = isRecord(original) ? { ...original } : {};
  const orders = new Map<string, unknown[]>();
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith('$setElementOrder/')) {
      if (Array.isArray(value)) orders.set(key.slice('$setElementOrder/'.length), value);
      continue;
    }
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const drop = Array.isArray(value) ? value : [];
      if (Array.isArray(result[field])) result[field] = (result[field] as unknown[]).filter((v) => !drop.includes(v));
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const childPath = [...path, key];
    const merged = Array.isArray(value) ? mergeList(result[key], value, childPath) : mergeValue(result[key], value, childPath);
    if (merged === undefined) delete result[key];
    else result[key] = merged;
  }
  for (const [field, order] of orders) {
    if (Array.isArray(result[field])) result[field] = reorder(result[field] as unknown[], order, mergeStrategy([...path, field]));
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys as string[]);
    for (const key of Object.keys(result)) if (!keep.has(key)) delete result[key];
  }
  return result;
}

function mergeList(original: unknown, patch: unknown[], path: string[]): unknown[] {
  const strategy = mergeStrategy(path);
  const base = Array.isArray(original) ? [...original] : [];
  if (strategy === undefined) return patch.filter((item) => !(isRecord(item) && item.$patch)).map((item) => mergeValue(undefined, item, path));
  if (strategy === PRIMITIVE_MERGE) return [...base, ...patch.filter((item) => !base.includes(item))];
  if (patch.some((item) => isRecord(item) && item.$patch === 'replace')) {
    return patch.filter((item) => !(isRecord(item) && item.$patch === 'replace')).map((item) => mergeValue(undefined, item, path));
  }
  for (const item of patch) {
    if (!isRecord(item) || !(strategy in item)) {
      base.push(structuredClone(item));
      continue;
    }
    const index = base.findIndex((existing) => isRecord(existing) && existing[strategy] === item[strategy]);
    if (item.$patch === 'delete') {
      if (index >= 0) base.splice(index, 1);
      continue;
    }
    if (index >= 0) base[index] = mergeValue(base[index], item, path);
    else base.push(mergeValue(undefined, item, path));
  }
  return base;
}

/** `$setElementOrder`: the patch's order first, then the items it does not mention, as they were. */
function reorder(items: unknown[], order: unknown[], strategy: MergeStrategy): unknown[] {
  const keyOf = (item: unknown) => (typeof strategy === 'string' && isRecord(item) ? item[strategy] : item);
  const wanted = order.map(keyOf);
  const ordered = wanted.flatMap((k) => items.filter((i) => keyOf(i) === k));
  return [...ordered, ...items.filter((i) => !wanted.includes(keyOf(i)))];
}

function withoutKey(record: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = record;
  return rest;
}
