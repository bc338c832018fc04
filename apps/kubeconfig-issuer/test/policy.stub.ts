import { EffectiveAccessEntry, PolicyEffectiveAccessRequestV1, PolicyEffectiveAccessV1 } from '@portcullis/contracts';
import { MessagingConnection, Responder, silentLogger } from '@portcullis/platform/messaging';
import { randomUUID } from 'node:crypto';

/**
 * Stands in for the policy service at the contract boundary: answers PolicyEffectiveAccessV1
 * from grants the test sets, as the union of the user's grants and their groups'.
 */
export class PolicyStub {
  readonly requests: PolicyEffectiveAccessRequestV1[] = [];
  kubeconfigValiditySeconds = 7 * 24 * 60 * 60;
  private readonly grants = new Map<string, EffectiveAccessEntry[]>();
  private readonly slowUsers = new Map<string, number>();
  private readonly responder: Responder;

  constructor(connection: MessagingConnection) {
    this.responder = new Responder(connection, 'policy-stub', silentLogger);
    this.responder.serve(PolicyEffectiveAccessV1, async (request) => {
      this.requests.push(request);
      const delayMs = this.slowUsers.get(request.userId);
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const entries = [`user:${request.userId}`, ...request.groups.map((group) => `group:${group}`)].flatMap((subject) => this.grants.get(subject) ?? []);
      return { entries, kubeconfigValiditySeconds: this.kubeconfigValiditySeconds };
    });
  }

  /** `subject` is `user:<id>` or `group:<name>`. */
  grant(subject: string, cluster: string, options: { role?: string; namespaces?: string[] } = {}): void {
    const entry: EffectiveAccessEntry = {
      grantId: randomUUID(),
      cluster: { id: randomUUID(), name: cluster, displayName: `Cluster ${cluster}` },
      role: { name: options.role ?? 'view', builtIn: true, rules: [] },
      namespaces: options.namespaces ?? [],
    };
    this.grants.set(subject, [...(this.grants.get(subject) ?? []), entry]);
  }

  answerSlowly(userId: string, delayMs: number): void {
    this.slowUsers.set(userId, delayMs);
  }

  close(): Promise<void> {
    return this.responder.close();
  }
}
