import { createPrivateKey, X509Certificate } from 'node:crypto';
import { ClusterErrorCode, ClusterException } from './cluster.exception';

export type ClusterCredentialKind = 'token' | 'client-certificate';

/** How policy authenticates to a cluster's API server as its manager (the sa-provisioner uses it the same way). */
export type ClusterCredential =
  | { kind: 'token'; token: string }
  | { kind: 'client-certificate'; clientCertificate: string; clientKey: string };

export interface ClusterCredentialInput {
  token?: string | null;
  clientCertificate?: string | null;
  clientKey?: string | null;
}

function invalid(message: string): ClusterException {
  return new ClusterException(ClusterErrorCode.InvalidInput, message);
}

/**
 * Exactly one form: a bearer token, or a client certificate with its private key (which must
 * belong together). Messages never quote the input: it is a secret.
 */
export function parseClusterCredential(input: ClusterCredentialInput): ClusterCredential {
  const token = input.token ?? undefined;
  const certificate = input.clientCertificate ?? undefined;
  const key = input.clientKey ?? undefined;
  if (token !== undefined) {
    if (certificate !== undefined || key !== undefined) throw invalid('credential: give either a token or a client certificate and key, not both');
    if (!/^\S{1,8192}$/.test(token)) throw invalid('credential.token: must be a non-empty bearer token without whitespace');
    return { kind: 'token', token };
  }
  if (certificate === undefined || key === undefined) throw invalid('credential: give a token, or a client certificate and its key');
  let parsedCertificate: X509Certificate;
  try {
    parsedCertificate = new X509Certificate(certificate);
  } catch {
    throw invalid('credential.clientCertificate: not a PEM certificate');
  }
  let parsedKey: ReturnType<typeof createPrivateKey>;
  try {
    parsedKey = createPrivateKey(key);
  } catch {
    throw invalid('credential.clientKey: not a PEM private key');
  }
  if (!parsedCertificate.checkPrivateKey(parsedKey)) throw invalid('credential.clientKey: does not belong to the client certificate');
  return { kind: 'client-certificate', clientCertificate: certificate, clientKey: key };
}
