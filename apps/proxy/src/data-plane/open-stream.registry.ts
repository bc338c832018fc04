import { Injectable } from '@nestjs/common';
import type { KubeconfigCredential } from '../credentials/client-certificate.verifier';

/** A forwarded request still in flight: a watch, a log follow, an exec or port-forward session, or any other. */
export interface OpenStream {
  readonly credential: KubeconfigCredential;
  readonly cluster: string;
  /** '' for cluster-scoped and non-resource requests. */
  readonly namespace: string;
  /** Fingerprints of the grants that allowed it when it started (see AccessView). */
  readonly coveredBy: ReadonlySet<string>;
  /** Ends it on both sides at once. */
  close(): void;
}

interface ClientConnection {
  destroy(): void;
}

function addTo<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(value);
}

function removeFrom<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}

/**
 * Every client connection by credential, and every open stream by credential and by (person,
 * cluster), so a revocation or a removed grant can end them within the second it arrives.
 */
@Injectable()
export class OpenStreamRegistry {
  private readonly connectionsByCredential = new Map<string, Set<ClientConnection>>();
  private readonly streamsByCredential = new Map<string, Set<OpenStream>>();
  private readonly streamsByPersonCluster = new Map<string, Set<OpenStream>>();
  private count = 0;

  /** Tracks a client TLS connection until `untrack` is called (on its `close`). */
  trackConnection(kubeconfigId: string, connection: ClientConnection): () => void {
    addTo(this.connectionsByCredential, kubeconfigId, connection);
    return () => removeFrom(this.connectionsByCredential, kubeconfigId, connection);
  }

  /** Returns the function that forgets the stream once it has ended. */
  add(stream: OpenStream): () => void {
    const personCluster = personClusterKey(stream.credential.userId, stream.cluster);
    addTo(this.streamsByCredential, stream.credential.kubeconfigId, stream);
    addTo(this.streamsByPersonCluster, personCluster, stream);
    this.count++;
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      this.count--;
      removeFrom(this.streamsByCredential, stream.credential.kubeconfigId, stream);
      removeFrom(this.streamsByPersonCluster, personCluster, stream);
    };
  }

  /** Ends every stream and connection of a credential; returns how many streams were open. */
  closeCredential(kubeconfigId: string): number {
    const streams = [...(this.streamsByCredential.get(kubeconfigId) ?? [])];
    for (const stream of streams) stream.close();
    for (const connection of [...(this.connectionsByCredential.get(kubeconfigId) ?? [])]) connection.destroy();
    this.connectionsByCredential.delete(kubeconfigId);
    return streams.length;
  }

  /** Open streams grouped by person and cluster. */
  byPersonAndCluster(): OpenStream[][] {
    return [...this.streamsByPersonCluster.values()].map((set) => [...set]);
  }

  all(): OpenStream[] {
    return [...this.streamsByCredential.values()].flatMap((set) => [...set]);
  }

  get size(): number {
    return this.count;
  }
}

function personClusterKey(userId: string, cluster: string): string {
  return `${userId}\n${cluster}`;
}
