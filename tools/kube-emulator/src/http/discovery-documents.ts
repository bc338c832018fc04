import { createHash } from 'node:crypto';
import { apiVersionOf, type ResourceRegistry, type ResourceType } from '../api/resource-registry';

// Discovery in both forms: the legacy per-group-version documents (APIVersions, APIGroupList,
// APIGroup, APIResourceList) and aggregated discovery (APIGroupDiscoveryList, apidiscovery.k8s.io
// v2 and v2beta1), which kubectl 1.32 asks for first at /api and /apis.

export class DiscoveryDocuments {
  constructor(private readonly registry: ResourceRegistry) {}

  apiVersions(serverAddress: string): object {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }

  apiGroupList(): object {
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: this.groups().map((g) => this.groupBody(g)) };
  }

  apiGroup(group: string): object | undefined {
    if (!this.groups().includes(group)) return undefined;
    return { kind: 'APIGroup', apiVersion: 'v1', ...this.groupBody(group) };
  }

  resourceList(group: string, version: string): object | undefined {
    const gv = this.registry.groupVersions().find((x) => x.group === group && x.version === version);
    if (!gv) return undefined;
    const entries: object[] = [];
    for (const t of gv.resources) {
      entries.push({
        name: t.resource,
        singularName: t.singular,
        namespaced: t.namespaced,
        kind: t.kind,
        verbs: t.verbs,
        ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
        ...(t.categories.length ? { categories: t.categories } : {}),
        ...(t.stored ? { storageVersionHash: storageVersionHash(t) } : {}),
      });
      for (const sub of t.subresources) {
        entries.push({
          name: `${t.resource}/${sub.name}`,
          singularName: '',
          namespaced: t.namespaced,
          ...(sub.group !== undefined ? { group: sub.group, version: sub.version } : {}),
          kind: sub.kind,
          verbs: sub.verbs,
        });
      }
    }
    entries.sort((a, b) => ((a as { name: string }).name < (b as { name: string }).name ? -1 : 1));
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(gv), resources: entries };
  }

  /** `core`: the document for /api (the legacy group only); otherwise /apis (every named group). */
  aggregated(core: boolean, version: 'v2' | 'v2beta1'): object {
    const items = this.registry
      .groupVersions()
      .filter((gv) => (gv.group === '') === core)
      .map((gv) => ({
        metadata: core ? { creationTimestamp: null } : { name: gv.group, creationTimestamp: null },
        versions: [{ version: gv.version, resources: gv.resources.map(aggregatedResource), freshness: 'Current' }],
      }));
    return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
  }

  private groups(): string[] {
    return [...new Set(this.registry.types.map((t) => t.group).filter((g) => g !== ''))];
  }

  private groupBody(group: string): object {
    const version = this.registry.groupVersions().find((gv) => gv.group === group)!.version;
    const gv = { groupVersion: `${group}/${version}`, version };
    return { name: group, versions: [gv], preferredVersion: gv };
  }
}

function aggregatedResource(t: ResourceType): object {
  return {
    resource: t.resource,
    responseKind: { group: t.group, version: t.version, kind: t.kind },
    scope: t.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: t.singular,
    verbs: t.verbs,
    ...(t.shortNames.length ? { shortNames: t.shortNames } : {}),
    ...(t.categories.length ? { categories: t.categories } : {}),
    ...(t.subresources.length
      ? {
          subresources: t.subresources.map((s) => ({
            subresource: s.name,
            responseKind: { group: s.group ?? t.group, version: s.version ?? t.version, kind: s.kind },
            verbs: s.verbs,
          })),
        }
      : {}),
  };
}

function storageVersionHash(t: ResourceType): string {
  return createHash('sha256').update(`${apiVersionOf(t)}/${t.kind}`).digest().subarray(0, 8).toString('base64');
}
