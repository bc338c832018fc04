/*
 * Trust model of the identity Secret.
 * - Holds: the agent's private key, certificate and the CA that signed it, in one Secret of type
 *   kubernetes.io/tls in the agent's own namespace, written as the agent's ServiceAccount. Nothing
 *   else keeps the key; who may read that Secret is the namespace's RBAC.
 * - Remembers: the SHA-256 of the bootstrap token the identity came from (an annotation), never
 *   the token: enough to tell a new token from a spent one.
 */
import { ApiException, CoreV1Api, V1Secret } from '@kubernetes/client-node';
import { IdentityMaterial } from './agent-identity';
import { IdentityErrorCode, IdentityException } from './identity.exception';

export const BOOTSTRAP_TOKEN_DIGEST_ANNOTATION = 'portcullis.dev/bootstrap-token-sha256';
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'portcullis-cluster-agent' };

function fromBase64(value: string | undefined): string {
  return value ? Buffer.from(value, 'base64').toString('utf8') : '';
}

function toBase64(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64');
}

/** The API server's own words for a failed call (its Status message), never the request. */
function describeFailure(error: unknown): string {
  if (error instanceof ApiException) {
    let message = '';
    try {
      const body = typeof error.body === 'string' ? (JSON.parse(error.body) as { message?: unknown }) : (error.body as { message?: unknown });
      if (typeof body?.message === 'string') message = body.message;
    } catch {
      message = '';
    }
    return `HTTP ${error.code}${message ? `: ${message}` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Reads and writes the identity Secret through the API server, as the agent's ServiceAccount. */
export class IdentitySecretStore {
  constructor(
    private readonly core: CoreV1Api,
    readonly namespace: string,
    readonly name: string,
  ) {}

  /** The stored identity, or undefined when the Secret does not exist or lacks a key or certificate. */
  async load(): Promise<IdentityMaterial | undefined> {
    let secret: V1Secret;
    try {
      secret = await this.core.readNamespacedSecret({ name: this.name, namespace: this.namespace });
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw new IdentityException(IdentityErrorCode.SecretUnavailable, `reading Secret ${this.namespace}/${this.name} failed: ${describeFailure(error)}`);
    }
    const data = secret.data ?? {};
    const material: IdentityMaterial = {
      keyPem: fromBase64(data['tls.key']),
      certificatePem: fromBase64(data['tls.crt']),
      caCertificatePem: fromBase64(data['ca.crt']),
      bootstrapTokenDigest: secret.metadata?.annotations?.[BOOTSTRAP_TOKEN_DIGEST_ANNOTATION] ?? '',
    };
    return material.keyPem && material.certificatePem ? material : undefined;
  }

  async save(material: IdentityMaterial): Promise<void> {
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: MANAGED_BY,
        annotations: { [BOOTSTRAP_TOKEN_DIGEST_ANNOTATION]: material.bootstrapTokenDigest },
      },
      data: {
        'tls.crt': toBase64(material.certificatePem),
        'tls.key': toBase64(material.keyPem),
        'ca.crt': toBase64(material.caCertificatePem),
      },
    };
    try {
      await this.core.replaceNamespacedSecret({ name: this.name, namespace: this.namespace, body });
    } catch (error) {
      if (!(error instanceof ApiException && error.code === 404)) {
        throw new IdentityException(IdentityErrorCode.SecretUnavailable, `writing Secret ${this.namespace}/${this.name} failed: ${describeFailure(error)}`);
      }
      await this.create(body);
    }
  }

  private async create(body: V1Secret): Promise<void> {
    try {
      await this.core.createNamespacedSecret({ namespace: this.namespace, body });
    } catch (error) {
      throw new IdentityException(IdentityErrorCode.SecretUnavailable, `creating Secret ${this.namespace}/${this.name} failed: ${describeFailure(error)}`);
    }
  }
}
