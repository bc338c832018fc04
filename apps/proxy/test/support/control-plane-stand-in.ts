import {
  ClusterEndpointV2 as ClusterEndpoint,
  EffectiveAccessEntry,
  PolicyClusterLookupV2,
  PolicyEffectiveAccessV1,
  SaTokenEnsureV1,
  SaTokenEnsureRequestV1,
  Subjects,
} from '@portcullis/contracts';
import type { KubeEmulator, KubeObject } from '@portcullis/kube-emulator';
import { EventPublisher, MessagingConnection, ReplyError, Responder, silentLogger } from '@portcullis/platform/messaging';
import { createHash, randomUUID } from 'node:crypto';
import https from 'node:https';

// Stands in for policy and sa-provisioner until the lead wires the real ones: it answers the
// proxy's three questions from a grant table, and provisions real JIT ServiceAccounts in the
// emulator (RBAC bindings + a TokenRequest through the API), so the cluster enforces access.

export interface TestGrant {
  grantId: string;
  subject: { kind: 'user' | 'group'; name: string };
  cluster: string;
  /** A built-in ClusterRole: cluster-admin, admin, edit, view. */
  role: string;
  namespaces: string[];
}

export const JIT_NAMESPACE = 'portcullis-system';

export function jitServiceAccountName(userId: string): string {
  return `pc-${createHash('sha256').update(userId).digest('hex').slice(0, 10)}`;
}

export class ControlPlaneStandIn {
  readonly grants: TestGrant[] = [];
  /** A cluster is the emulator, or any HTTPS server given a fixed JIT token (to inspect what arrives). */
  readonly clusters = new Map<string, { endpoint: ClusterEndpoint; emulator?: KubeEmulator; staticToken?: string }>();
  readonly tokenRequests: SaTokenEnsureRequestV1[] = [];
  accessRequests = 0;
  /** Milliseconds the provisioner takes before answering (single-flight tests). */
  provisioningDelayMs = 0;
  /** When set, the provisioner answers every request with this error code. */
  provisionerFailure?: string;
  private readonly provisionedBindings = new Map<string, KubeObject[]>();
  private readonly responder: Responder;
  private readonly publisher: EventPublisher;

  constructor(private readonly connection: MessagingConnection) {
    this.responder = new Responder(connection, `stand-in-${randomUUID()}`, silentLogger);
    this.publisher = new EventPublisher(connection);
  }

  start(): void {
    this.responder.serve(PolicyEffectiveAccessV1, async ({ userId, groups }) => {
      this.accessRequests++;
      return { entries: this.entriesFor(userId, groups), kubeconfigValiditySeconds: 7 * 86_400 };
    });
    this.responder.serve(PolicyClusterLookupV2, async ({ name }) => {
      const cluster = this.clusters.get(name);
      if (!cluster) throw new ReplyError('NOT_FOUND', `cluster ${name} not found`);
      return cluster.endpoint;
    });
    this.responder.serve(SaTokenEnsureV1, (request) => this.ensureToken(request));
  }

  async stop(): Promise<void> {
    await this.responder.close();
  }

  registerCluster(name: string, emulator: KubeEmulator, server = emulator.url): ClusterEndpoint {
    const endpoint: ClusterEndpoint = { id: randomUUID(), name, displayName: name, server, caBundle: emulator.caPem, idleTimeoutSeconds: 3_600, mode: 'direct', agent: null };
    this.clusters.set(name, { endpoint, emulator });
    return endpoint;
  }

  /**
   * A cluster reached through its agent: policy knows no address for it, only which agent
   * certificates to accept. The stand-in provisioner still sets up JIT ServiceAccounts in the
   * emulator directly (it stands in for the real provisioner, which would go through the agent).
   */
  registerAgentCluster(name: string, emulator: KubeEmulator, fingerprints: string[], id: string = randomUUID()): ClusterEndpoint {
    const endpoint: ClusterEndpoint = {
      id,
      name,
      displayName: name,
      server: 'https://kubernetes.default.svc',
      caBundle: null,
      idleTimeoutSeconds: 3_600,
      mode: 'agent',
      agent: { certificateFingerprints: fingerprints },
    };
    this.clusters.set(name, { endpoint, emulator });
    return endpoint;
  }

  /** Tells every proxy that a cluster changed (re-registered, removed), as policy's outbox does. */
  async publishClusterChange(name: string, change: 'updated' | 'deleted'): Promise<void> {
    const entry = this.clusters.get(name);
    if (!entry) throw new Error(`no cluster ${name}`);
    if (change === 'deleted') this.clusters.delete(name);
    const { endpoint } = entry;
    await this.publisher.publish(Subjects.policyClusterChanged, {
      id: randomUUID(),
      occurredAt: new Date().toISOString(),
      clusterId: endpoint.id,
      change,
      changedBy: 'admin@example.com',
      cluster: change === 'deleted' ? null : { name, displayName: endpoint.displayName, server: endpoint.server, caBundle: endpoint.caBundle, labels: {}, idleTimeoutSeconds: endpoint.idleTimeoutSeconds },
    });
  }

  registerStaticCluster(name: string, server: string, caBundle: string, staticToken: string): ClusterEndpoint {
    const endpoint: ClusterEndpoint = { id: randomUUID(), name, displayName: name, server, caBundle, idleTimeoutSeconds: 3_600, mode: 'direct', agent: null };
    this.clusters.set(name, { endpoint, staticToken });
    return endpoint;
  }

  grant(grant: Omit<TestGrant, 'grantId'>): TestGrant {
    const stored = { grantId: randomUUID(), ...grant };
    this.grants.push(stored);
    return stored;
  }

  /** Removes the grant, its bindings on the cluster (as the provisioner would), then tells every proxy. */
  async revokeGrant(grant: TestGrant): Promise<void> {
    this.grants.splice(this.grants.indexOf(grant), 1);
    const emulator = this.clusters.get(grant.cluster)?.emulator;
    for (const binding of this.provisionedBindings.get(grant.grantId) ?? []) {
      try {
        emulator?.delete(binding.apiVersion ?? '', binding.kind ?? '', binding.metadata?.name ?? '', binding.metadata?.namespace);
      } catch {
        // already gone
      }
    }
    this.provisionedBindings.delete(grant.grantId);
    await this.publisher.publish(Subjects.policyGrantChanged, {
      id: randomUUID(),
      occurredAt: new Date().toISOString(),
      grantId: grant.grantId,
      change: 'deleted',
      changedBy: 'admin@example.com',
      grant: null,
    });
  }

  async publishRevocation(kubeconfigId: string, userId: string): Promise<void> {
    await this.publisher.publish(Subjects.kubeconfigRevoked, {
      id: randomUUID(),
      occurredAt: new Date().toISOString(),
      kubeconfigId,
      userId,
      revokedBy: 'admin@example.com',
      reason: 'lost laptop',
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
  }

  private entriesFor(userId: string, groups: string[]): EffectiveAccessEntry[] {
    return this.grants
      .filter((grant) => (grant.subject.kind === 'user' ? grant.subject.name === userId : groups.includes(grant.subject.name)))
      .flatMap((grant) => {
        const cluster = this.clusters.get(grant.cluster)?.endpoint;
        if (!cluster) return [];
        return [
          {
            grantId: grant.grantId,
            cluster: { id: cluster.id, name: cluster.name, displayName: cluster.displayName },
            role: { name: grant.role, builtIn: true, rules: [] },
            namespaces: grant.namespaces,
          },
        ];
      });
  }

  private bindingsOf(grant: TestGrant, serviceAccount: string): KubeObject[] {
    const name = `${serviceAccount}-${grant.grantId.slice(0, 8)}`;
    const subjects = [{ kind: 'ServiceAccount', name: serviceAccount, namespace: JIT_NAMESPACE }];
    const roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: grant.role };
    if (grant.namespaces.length === 0) {
      return [{ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name }, subjects, roleRef }];
    }
    return grant.namespaces.map((namespace) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace }, subjects, roleRef }));
  }

  private async ensureToken(request: SaTokenEnsureRequestV1): Promise<{ token: string; expiresAt: string }> {
    this.tokenRequests.push(request);
    if (this.provisioningDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.provisioningDelayMs));
    if (this.provisionerFailure) throw new ReplyError(this.provisionerFailure, 'the stand-in provisioner was told to fail');
    const cluster = this.clusters.get(request.cluster);
    if (!cluster) throw new ReplyError('CLUSTER_NOT_FOUND', `cluster ${request.cluster} not found`);
    const grants = this.grants.filter(
      (grant) => grant.cluster === request.cluster && (grant.subject.kind === 'user' ? grant.subject.name === request.userId : request.groups.includes(grant.subject.name)),
    );
    if (grants.length === 0) throw new ReplyError('NO_ACCESS', 'no grant');
    if (cluster.staticToken) return { token: cluster.staticToken, expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
    const emulator = cluster.emulator;
    if (!emulator) throw new ReplyError('CLUSTER_FAILED', `cluster ${request.cluster} has neither an emulator nor a static token`);
    const name = jitServiceAccountName(request.userId);
    emulator.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: JIT_NAMESPACE } },
      {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name, namespace: JIT_NAMESPACE, labels: { 'app.kubernetes.io/managed-by': 'portcullis' }, annotations: { 'portcullis.dev/user-id': request.userId } },
      },
    ]);
    for (const grant of grants) {
      const bindings = this.bindingsOf(grant, name);
      emulator.apply(bindings);
      this.provisionedBindings.set(grant.grantId, [...(this.provisionedBindings.get(grant.grantId) ?? []), ...bindings]);
    }
    // A real TokenRequest through the API, as the provisioner does with its management credential.
    const body = await postJson<{ status: { token: string; expirationTimestamp: string } }>(
      emulator,
      `/api/v1/namespaces/${JIT_NAMESPACE}/serviceaccounts/${name}/token`,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3_600 } },
    );
    return { token: body.status.token, expiresAt: new Date(body.status.expirationTimestamp).toISOString() };
  }
}

function postJson<T>(emulator: KubeEmulator, path: string, payload: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      `${emulator.url}${path}`,
      { method: 'POST', ca: emulator.caPem, agent: false, headers: { authorization: `Bearer ${emulator.adminToken}`, 'content-type': 'application/json' } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode !== 201 && response.statusCode !== 200) reject(new Error(`${path}: ${response.statusCode} ${text}`));
          else resolve(JSON.parse(text) as T);
        });
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify(payload));
  });
}
