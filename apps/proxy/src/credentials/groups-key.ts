const keys = new WeakMap<readonly string[], string>();

/**
 * A person's groups as one string that does not depend on their order, for cache keys. Worked out
 * once per groups array: a credential's array lives as long as its connection and never changes,
 * and sorting it again for every request was measurable.
 */
export function groupsKey(groups: readonly string[]): string {
  let key = keys.get(groups);
  if (key === undefined) keys.set(groups, (key = [...groups].sort().join('\n')));
  return key;
}
