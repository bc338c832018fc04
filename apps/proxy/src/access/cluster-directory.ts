import { Injectable } from '@nestjs/common';
import { ClusterEndpointV2 as ClusterEndpoint, PolicyClusterLookupV2 } from '@portcullis/contracts';
import { RemoteRequestError, Requester } from '@portcullis/platform/messaging';

/** Policy's reply code for a cluster name it does not know. */
const NOT_FOUND = 'NOT_FOUND';

/**
 * Where each cluster's API server is (URL and CA) and how it is reached (direct or through its
 * agent), asked from policy once and kept until a cluster event says it changed. Concurrent misses for one cluster share one request.
 */
@Injectable()
export class ClusterDirectory {
  private readonly endpoints = new Map<string, ClusterEndpoint>();
  private readonly inFlight = new Map<string, Promise<ClusterEndpoint | null>>();
  private generation = 0;

  constructor(private readonly requester: Requester) {}

  /** The endpoint when it is known already, without asking anyone. */
  peek(name: string): ClusterEndpoint | undefined {
    return this.endpoints.get(name);
  }

  /** null: policy does not know the cluster. Throws the requester's errors when policy cannot be asked. */
  lookup(name: string): Promise<ClusterEndpoint | null> {
    const cached = this.endpoints.get(name);
    if (cached) return Promise.resolve(cached);
    const pending = this.inFlight.get(name);
    if (pending) return pending;
    const request = this.fetch(name).finally(() => {
      if (this.inFlight.get(name) === request) this.inFlight.delete(name);
    });
    this.inFlight.set(name, request);
    return request;
  }

  /** Whether the cluster was found before (for metric labels: only known names become label values). */
  isKnown(name: string): boolean {
    return this.endpoints.has(name);
  }

  /** Drops what is known about a cluster, by id or name (a deleted cluster's event carries only its id). */
  forget(clusterId: string, name: string | null): string[] {
    this.generation++;
    this.inFlight.clear();
    const forgotten: string[] = [];
    for (const [cachedName, endpoint] of this.endpoints) {
      if (endpoint.id === clusterId || cachedName === name) {
        this.endpoints.delete(cachedName);
        forgotten.push(cachedName);
      }
    }
    return forgotten;
  }

  private async fetch(name: string): Promise<ClusterEndpoint | null> {
    const generation = this.generation;
    try {
      const endpoint = await this.requester.request(PolicyClusterLookupV2, { name });
      if (generation === this.generation) this.endpoints.set(name, endpoint);
      return endpoint;
    } catch (error) {
      if (error instanceof RemoteRequestError && error.code === NOT_FOUND) return null;
      throw error;
    }
  }
}
