import {
  ClusterEndpoint,
  EffectiveAccessEntry,
  PolicyClusterCredentialResponseV1,
  PolicyClusterCredentialV1,
  PolicyEffectiveAccessV1,
  PolicyRule,
} from '@portcullis/contracts';
import { MessagingConnection, ReplyError, Responder, silentLogger } from '@portcullis/platform/messaging';
import { randomUUID } from 'node:crypto';

export interface GrantOptions {
  role?: string;
  /** Set: a custom role with these rules; unset: a built-in role. */
  rules?: PolicyRule[];
  namespaces?: string[];
}

/**
 * Stands in for the policy service at the contract boundary: answers PolicyEffectiveAccessV1
 * from the grants a test sets (the union of the user's and their groups'), and
 * PolicyClusterCredentialV1 from the clusters it registers (NOT_FOUND for any other name).
 */
export class PolicyStandIn {
  readonly credentialRequests: string[] = [];
  private readonly clusters = new Map<string, PolicyClusterCredentialResponseV1>();
  private readonly grants = new Map<string, { subject: string; entry: EffectiveAccessEntry }>();
  private readonly responder: Responder;

  constructor(connection: MessagingConnection) {
    this.responder = new Responder(connection, 'policy-stand-in', silentLogger);
    this.responder.serve(PolicyEffectiveAccessV1, async (request) => {
      const subjects = new Set([`user:${request.userId}`, ...request.groups.map((group) => `group:${group}`)]);
      const entries = [...this.grants.values()].filter((grant) => subjects.has(grant.subject) && this.clusters.has(grant.entry.cluster.name)).map((grant) => grant.entry);
      return { entries, kubeconfigValiditySeconds: 86_400 };
    });
    this.responder.serve(PolicyClusterCredentialV1, async (request) => {
      this.credentialRequests.push(request.name);
      const cluster = this.clusters.get(request.name);
      if (!cluster) throw new ReplyError('NOT_FOUND', `no cluster named ${request.name}`);
      return cluster;
    });
  }

  addCluster(name: string, target: { server: string; caPem: string | null; token: string }, idleTimeoutSeconds = 3_600): ClusterEndpoint {
    const cluster: ClusterEndpoint = { id: randomUUID(), name, displayName: `Cluster ${name}`, server: target.server, caBundle: target.caPem, idleTimeoutSeconds };
    this.clusters.set(name, { cluster, credential: { token: target.token } });
    return cluster;
  }

  /** The same cluster (same id) at another address, as after an admin changed it. */
  moveCluster(name: string, server: string): ClusterEndpoint {
    const registered = this.clusters.get(name);
    if (!registered) throw new Error(`register cluster ${name} first`);
    const cluster = { ...registered.cluster, server };
    this.clusters.set(name, { ...registered, cluster });
    return cluster;
  }

  /** Gives every grant of the custom role `role` these rules, as after an admin edited the role. */
  changeRules(role: string, rules: PolicyRule[]): void {
    for (const { entry } of this.grants.values()) {
      if (entry.role.name === role) entry.role = { ...entry.role, rules };
    }
  }

  removeCluster(name: string): void {
    this.clusters.delete(name);
  }

  /** `subject` is `user:<id>` or `group:<name>`; returns the grant id. */
  grant(subject: string, cluster: string, options: GrantOptions = {}): string {
    const endpoint = this.clusters.get(cluster)?.cluster;
    if (!endpoint) throw new Error(`register cluster ${cluster} first`);
    const grantId = randomUUID();
    const entry: EffectiveAccessEntry = {
      grantId,
      cluster: { id: endpoint.id, name: endpoint.name, displayName: endpoint.displayName },
      role: { name: options.role ?? 'view', builtIn: options.rules === undefined, rules: options.rules ?? [] },
      namespaces: options.namespaces ?? [],
    };
    this.grants.set(grantId, { subject, entry });
    return grantId;
  }

  ungrant(grantId: string): void {
    this.grants.delete(grantId);
  }

  close(): Promise<void> {
    return this.responder.close();
  }
}
