/*
 * Trust model of the agent identity's lifecycle.
 * - Obtains: a client certificate for a key generated here, once with the one-time bootstrap token
 *   (enrollment), then with the certificate itself (renewal, a fresh key each time).
 * - Spends a bootstrap token at most once: the identity Secret remembers the digest of the token it
 *   came from, and a refused token is not sent again; only a different token (a re-registration)
 *   starts a new enrollment.
 * - Logs: certificate fingerprints and expiry dates, never the token, the key or a certificate.
 */
import { AGENT_VERSION } from '../agent-version';
import type { Logger } from 'pino';
import { AgentMetrics } from '../metrics/agent-metrics';
import { Backoff } from '../tunnel/backoff';
import { AgentIdentity, hasExpired, readAgentIdentity, renewalDue } from './agent-identity';
import { BootstrapToken, BootstrapTokenFile } from './bootstrap-token.file';
import { EnrollmentClient } from './enrollment.client';
import { IdentityErrorCode, IdentityException } from './identity.exception';
import { IdentitySecretStore } from './identity-secret.store';
import { createKeyAndCsr } from './key-and-csr';

export interface IdentityKeeperOptions {
  clusterName: string;
  /** Where the bootstrap token is mounted, for messages (the file itself is read by BootstrapTokenFile). */
  bootstrapTokenPath: string | undefined;
  tokenPollMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/**
 * Keeps the agent's identity usable: loads it from its Secret, enrolls when there is none (or it
 * expired, or a new bootstrap token arrived), renews it when a third of its lifetime remains, and
 * stores every new one. The tunnel dialer takes whatever identity is current at each connect.
 */
export class IdentityKeeper {
  private identity?: AgentIdentity;
  /** The bootstrap token the newest identity descends from, as stored; a token with this digest is spent. */
  private enrolledTokenDigest = '';
  private refusedTokenDigest?: string;
  private refusedRenewalFingerprint?: string;
  private loaded = false;
  private unsaved = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private waitingNotice?: string;
  private readonly waiters = new Set<(identity: AgentIdentity) => void>();
  private readonly retry: Backoff;
  private readonly logger: Logger;

  constructor(
    private readonly options: IdentityKeeperOptions,
    private readonly store: IdentitySecretStore,
    private readonly client: EnrollmentClient,
    private readonly tokenFile: BootstrapTokenFile,
    private readonly metrics: AgentMetrics,
    logger: Logger,
  ) {
    this.retry = new Backoff(options.retryBaseMs, options.retryMaxMs);
    this.logger = logger.child({ component: 'identity' });
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** The identity to dial with now, if there is one that has not expired. */
  current(): AgentIdentity | undefined {
    return this.identity && !hasExpired(this.identity) ? this.identity : undefined;
  }

  /** Resolves with a usable identity as soon as there is one; rejects when `signal` aborts first. */
  waitForIdentity(signal: AbortSignal): Promise<AgentIdentity> {
    const now = this.current();
    if (now) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const waiter = (identity: AgentIdentity) => {
        signal.removeEventListener('abort', onAbort);
        resolve(identity);
      };
      const onAbort = () => {
        this.waiters.delete(waiter);
        reject(signal.reason);
      };
      this.waiters.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick();
    }, delayMs);
  }

  private async tick(): Promise<void> {
    let nextInMs: number;
    try {
      nextInMs = await this.reconcile();
      this.retry.reset();
    } catch (error) {
      nextInMs = this.afterFailure(error);
    }
    this.schedule(nextInMs);
  }

  /** One look at the situation and at most one enrollment or renewal; returns when to look again. */
  private async reconcile(): Promise<number> {
    if (!this.loaded) await this.loadStored();
    if (this.unsaved) await this.persist();
    const token = await this.tokenFile.read();
    const identity = this.identity;
    if (token && token.digest !== this.enrolledTokenDigest && token.digest !== this.refusedTokenDigest) {
      await this.enroll(token);
    } else if (identity && !hasExpired(identity) && Date.now() >= renewalDue(identity).getTime() && identity.fingerprint !== this.refusedRenewalFingerprint) {
      await this.renew(identity);
    }
    this.noticeWhileWaiting(token);
    return this.nextLookInMs();
  }

  private nextLookInMs(): number {
    const identity = this.current();
    if (!identity || identity.fingerprint === this.refusedRenewalFingerprint) return this.options.tokenPollMs;
    return Math.max(0, Math.min(this.options.tokenPollMs, renewalDue(identity).getTime() - Date.now()));
  }

  private async loadStored(): Promise<void> {
    const material = await this.store.load();
    this.loaded = true;
    if (!material) {
      this.logger.info({ secret: this.secretName }, 'no stored agent identity');
      return;
    }
    this.enrolledTokenDigest = material.bootstrapTokenDigest;
    let identity: AgentIdentity;
    try {
      identity = readAgentIdentity(material, this.options.clusterName);
    } catch (error) {
      this.logger.warn({ secret: this.secretName, reason: (error as Error).message }, 'the stored agent identity is unusable');
      return;
    }
    this.logger.info(
      { secret: this.secretName, fingerprint: identity.fingerprint, notAfter: identity.notAfter.toISOString(), expired: hasExpired(identity) },
      'stored agent identity loaded',
    );
    this.adopt(identity);
  }

  private async enroll(token: BootstrapToken): Promise<void> {
    const { keyPem, csrPem } = await createKeyAndCsr(this.options.clusterName);
    let identity: AgentIdentity;
    try {
      const issued = await this.client.enroll({ cluster: this.options.clusterName, bootstrapToken: token.value, csr: csrPem, agentVersion: AGENT_VERSION });
      identity = readAgentIdentity({ keyPem, certificatePem: issued.certificate, caCertificatePem: issued.caCertificate, bootstrapTokenDigest: token.digest }, this.options.clusterName);
    } catch (error) {
      const refused = error instanceof IdentityException && !error.retryable;
      // A refused token is never sent again; a token whose answer did not fit is spent all the same.
      if (refused) this.refusedTokenDigest = token.digest;
      this.metrics.enrollments.inc({ outcome: refused ? 'refused' : 'failed' });
      throw error;
    }
    this.metrics.enrollments.inc({ outcome: 'issued' });
    this.enrolledTokenDigest = token.digest;
    this.refusedRenewalFingerprint = undefined;
    this.logger.info({ fingerprint: identity.fingerprint, notAfter: identity.notAfter.toISOString() }, 'enrolled with the bootstrap token');
    this.adopt(identity);
    this.unsaved = true;
    await this.persist();
  }

  private async renew(current: AgentIdentity): Promise<void> {
    const { keyPem, csrPem } = await createKeyAndCsr(this.options.clusterName);
    let renewed: AgentIdentity;
    try {
      const issued = await this.client.renew({ csr: csrPem, agentVersion: AGENT_VERSION }, current);
      renewed = readAgentIdentity(
        { keyPem, certificatePem: issued.certificate, caCertificatePem: issued.caCertificate, bootstrapTokenDigest: current.bootstrapTokenDigest },
        this.options.clusterName,
      );
    } catch (error) {
      const refused = error instanceof IdentityException && error.code === IdentityErrorCode.IdentityRefused;
      if (refused) this.refusedRenewalFingerprint = current.fingerprint;
      this.metrics.renewals.inc({ outcome: refused ? 'refused' : 'failed' });
      throw error;
    }
    this.metrics.renewals.inc({ outcome: 'issued' });
    this.logger.info({ fingerprint: renewed.fingerprint, previous: current.fingerprint, notAfter: renewed.notAfter.toISOString() }, 'certificate renewed');
    this.adopt(renewed);
    this.unsaved = true;
    await this.persist();
  }

  /** Until it is stored, the identity lives only in memory: a restart would need a new token. */
  private async persist(): Promise<void> {
    const identity = this.identity;
    if (!identity) return;
    await this.store.save(identity);
    this.unsaved = false;
    this.logger.info({ secret: this.secretName, fingerprint: identity.fingerprint }, 'agent identity stored');
  }

  private adopt(identity: AgentIdentity): void {
    this.identity = identity;
    if (hasExpired(identity)) return;
    this.waitingNotice = undefined;
    for (const waiter of [...this.waiters]) waiter(identity);
    this.waiters.clear();
  }

  private afterFailure(error: unknown): number {
    if (error instanceof IdentityException && error.code === IdentityErrorCode.IdentityRefused) {
      this.logger.error(
        { code: error.code, status: error.status, notAfter: this.identity?.notAfter.toISOString(), reason: error.message },
        'certificate renewal refused: the current certificate serves until it expires; a new bootstrap token is needed after that',
      );
      return this.options.tokenPollMs;
    }
    if (error instanceof IdentityException && !error.retryable) {
      this.logger.error(
        { code: error.code, status: error.status, reason: error.message, tokenFile: this.options.bootstrapTokenPath },
        'enrollment refused: this bootstrap token will not be sent again; waiting for a new one',
      );
      return this.options.tokenPollMs;
    }
    const retryInMs = this.retry.next();
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn({ code: error instanceof IdentityException ? error.code : undefined, reason, retryInMs }, 'agent identity not settled; retrying');
    return retryInMs;
  }

  /** Says once, not at every poll, why the agent has no identity to dial with. */
  private noticeWhileWaiting(token: BootstrapToken | undefined): void {
    if (this.current()) return;
    let notice: string;
    if (!this.options.bootstrapTokenPath) notice = 'no usable agent identity and AGENT_BOOTSTRAP_TOKEN_FILE is not set: nothing to enroll with';
    else if (!token) notice = 'no usable agent identity: waiting for the bootstrap token file';
    else if (token.digest === this.refusedTokenDigest) notice = 'no usable agent identity: the bootstrap token was refused; waiting for a new one';
    else notice = 'no usable agent identity: the bootstrap token was already used; waiting for a new one (re-register the cluster)';
    if (notice === this.waitingNotice) return;
    this.waitingNotice = notice;
    this.logger.warn({ tokenFile: this.options.bootstrapTokenPath, expiredAt: this.identity?.notAfter.toISOString() }, notice);
  }

  private get secretName(): string {
    return `${this.store.namespace}/${this.store.name}`;
  }
}
