/*
 * Trust model of the proxy's decisions.
 * - Trusts: the kubeconfig CA (who the person is, their groups snapshot), policy (which clusters
 *   they may use, where those clusters are), sa-provisioner (their JIT token), the revocation
 *   events on JetStream.
 * - Verifies on every request: the connection's certificate is valid now and not revoked, the
 *   cluster is in the person's effective access; a revocation that arrives while a request waits
 *   for policy or the provisioner still refuses it.
 * - Never holds: a standing cluster credential. Namespaces and verbs are the cluster's RBAC to
 *   enforce, on the JIT ServiceAccount whose bindings mirror the person's grants.
 */
import { Injectable } from '@nestjs/common';
import { ClusterEndpointV2 as ClusterEndpoint } from '@portcullis/contracts';
import { NoRespondersError, RemoteRequestError, RequestTimeoutError } from '@portcullis/platform/messaging';
import type { TLSSocket } from 'node:tls';
import { AccessView } from '../access/access-view';
import { ClusterDirectory } from '../access/cluster-directory';
import { EffectiveAccessCache } from '../access/effective-access.cache';
import { ClientCertificateVerifier, ConnectionIdentity, KubeconfigCredential } from '../credentials/client-certificate.verifier';
import { ProxyErrorCode, ProxyException } from '../errors/proxy.exception';
import { RevocationSet } from '../revocation/revocation-set';
import { ServiceAccountTokenCache } from '../tokens/service-account-token.cache';
import { UpstreamTarget, upstreamTarget } from '../upstream/upstream-pool';

const IDENTITY = Symbol('portcullis.connectionIdentity');

type IdentifiedSocket = { [IDENTITY]?: ConnectionIdentity };

/** What a request may proceed with. */
export interface Admission {
  credential: KubeconfigCredential;
  access: AccessView;
  target: UpstreamTarget;
  token: string;
}

/** The provisioner's reply codes (sa-provisioner's ProvisionerErrorCode). */
const ProvisionerCodes = {
  noAccess: 'NO_ACCESS',
  clusterNotFound: 'CLUSTER_NOT_FOUND',
  clusterUnreachable: 'CLUSTER_UNREACHABLE',
  clusterFailed: 'CLUSTER_FAILED',
  policyUnavailable: 'POLICY_UNAVAILABLE',
} as const;

function isUnanswered(error: unknown): boolean {
  return error instanceof RequestTimeoutError || error instanceof NoRespondersError;
}

@Injectable()
export class RequestGate {
  private readonly targets = new WeakMap<ClusterEndpoint, UpstreamTarget>();

  constructor(
    private readonly verifier: ClientCertificateVerifier,
    private readonly revocations: RevocationSet,
    private readonly access: EffectiveAccessCache,
    private readonly clusters: ClusterDirectory,
    private readonly tokens: ServiceAccountTokenCache,
  ) {}

  /** Once per TLS connection, right after the handshake; the result travels with the socket. */
  identifyConnection(socket: TLSSocket): ConnectionIdentity {
    const identity = this.verifier.identify(socket);
    (socket as IdentifiedSocket)[IDENTITY] = identity;
    return identity;
  }

  /**
   * The credential of the connection a request arrived on, checked now. `socket` is the TLS
   * socket (HTTP/1.1) or the HTTP/2 session's socket proxy, which reads through to it.
   */
  authenticate(socket: unknown): KubeconfigCredential {
    const identity = (socket as IdentifiedSocket | undefined)?.[IDENTITY];
    if (!identity) throw new ProxyException(ProxyErrorCode.CredentialMissing, 'no client certificate was presented');
    if (!identity.ok) throw new ProxyException(identity.code, identity.reason);
    this.assertCurrent(identity.credential);
    return identity.credential;
  }

  /**
   * The admission when everything it needs is cached (nearly every request): decided without a
   * promise, so the common case costs no trips through the microtask queue. Undefined: ask admit().
   */
  admitFromCache(credential: KubeconfigCredential, cluster: string): Admission | undefined {
    const access = this.access.peek(credential.userId, credential.groups);
    const endpoint = this.clusters.peek(cluster);
    if (!access || !endpoint || !access.allows(cluster)) return undefined;
    const token = this.tokens.peek({ userId: credential.userId, groups: credential.groups, cluster });
    if (token === undefined) return undefined;
    return { credential, access, target: this.targetOf(endpoint), token };
  }

  async admit(credential: KubeconfigCredential, cluster: string): Promise<Admission> {
    const access = await this.accessOf(credential, cluster);
    const endpoint = await this.endpointOf(cluster);
    if (!access.allows(cluster)) {
      throw new ProxyException(
        ProxyErrorCode.ClusterNotGranted,
        `clusters "${cluster}" is forbidden: User "${credential.userId}" has no access to cluster "${cluster}" through Portcullis`,
      );
    }
    const token = await this.tokenFor(credential, cluster);
    // A revocation or expiry may have arrived while policy or the provisioner answered.
    this.assertCurrent(credential);
    return { credential, access, target: this.targetOf(endpoint), token };
  }

  /** The cluster refused the JIT token (its ServiceAccount was deleted, say): provision again. */
  async renewToken(admission: Admission): Promise<Admission> {
    this.tokens.forget(admission.credential.userId, admission.target.cluster);
    const token = await this.tokenFor(admission.credential, admission.target.cluster);
    this.assertCurrent(admission.credential);
    return { ...admission, token };
  }

  private assertCurrent(credential: KubeconfigCredential): void {
    const now = Date.now();
    if (now >= credential.notAfter) throw new ProxyException(ProxyErrorCode.CredentialExpired, 'the kubeconfig credential has expired; download a new kubeconfig');
    if (now < credential.notBefore) throw new ProxyException(ProxyErrorCode.CredentialInvalid, 'the client certificate is not valid yet');
    if (this.revocations.has(credential.kubeconfigId)) {
      throw new ProxyException(ProxyErrorCode.CredentialRevoked, 'the kubeconfig credential was revoked; download a new kubeconfig');
    }
  }

  private async accessOf(credential: KubeconfigCredential, cluster: string): Promise<AccessView> {
    try {
      return await this.access.get(credential.userId, credential.groups);
    } catch (error) {
      throw this.policyUnavailable(cluster, error);
    }
  }

  private async endpointOf(cluster: string): Promise<ClusterEndpoint> {
    let endpoint: ClusterEndpoint | null;
    try {
      endpoint = await this.clusters.lookup(cluster);
    } catch (error) {
      throw this.policyUnavailable(cluster, error);
    }
    if (!endpoint) throw new ProxyException(ProxyErrorCode.UnknownCluster, `clusters "${cluster}" not found`);
    return endpoint;
  }

  private async tokenFor(credential: KubeconfigCredential, cluster: string): Promise<string> {
    try {
      return await this.tokens.get({ userId: credential.userId, groups: credential.groups, cluster });
    } catch (error) {
      throw this.provisioningFailure(credential, cluster, error);
    }
  }

  private targetOf(endpoint: ClusterEndpoint): UpstreamTarget {
    let target = this.targets.get(endpoint);
    if (!target) this.targets.set(endpoint, (target = upstreamTarget(endpoint)));
    return target;
  }

  private policyUnavailable(cluster: string, error: unknown): ProxyException {
    const why = isUnanswered(error) ? 'the policy service does not answer' : `the policy service failed (${(error as Error).message})`;
    return new ProxyException(ProxyErrorCode.PolicyUnavailable, `cannot check access to cluster "${cluster}": ${why}; retry later`);
  }

  private provisioningFailure(credential: KubeconfigCredential, cluster: string, error: unknown): ProxyException {
    if (isUnanswered(error)) {
      return new ProxyException(ProxyErrorCode.ProvisionerUnavailable, `cannot reach cluster "${cluster}": the service-account provisioner did not answer in time; retry later`);
    }
    if (!(error instanceof RemoteRequestError)) {
      return new ProxyException(ProxyErrorCode.ProvisionerUnavailable, `cannot reach cluster "${cluster}": the service-account provisioner failed; retry later`);
    }
    switch (error.code) {
      case ProvisionerCodes.noAccess:
        return new ProxyException(ProxyErrorCode.ClusterNotGranted, `clusters "${cluster}" is forbidden: User "${credential.userId}" has no access to cluster "${cluster}" through Portcullis`);
      case ProvisionerCodes.clusterNotFound:
        return new ProxyException(ProxyErrorCode.UnknownCluster, `clusters "${cluster}" not found`);
      case ProvisionerCodes.clusterUnreachable:
      case ProvisionerCodes.clusterFailed:
        return new ProxyException(ProxyErrorCode.ClusterUnreachable, `cluster "${cluster}" is unreachable: ${error.message}; retry later`);
      case ProvisionerCodes.policyUnavailable:
        return new ProxyException(ProxyErrorCode.PolicyUnavailable, `cannot check access to cluster "${cluster}": the policy service does not answer; retry later`);
      default:
        return new ProxyException(ProxyErrorCode.ProvisionerUnavailable, `cannot reach cluster "${cluster}": the service-account provisioner failed (${error.code}); retry later`);
    }
  }
}
