import { stringify } from 'yaml';
import type { CertificateAndKey } from './tls/certificate-authority';

export interface KubeconfigCredentials {
  /** Name of the user entry (and part of the context name). */
  name?: string;
  token?: string;
  clientCertificate?: CertificateAndKey;
  namespace?: string;
}

/** A kubeconfig with one cluster, one user and one current context pointing at the emulator. */
export function kubeconfigYaml(server: string, caPem: string, credentials: KubeconfigCredentials): string {
  const userName = credentials.name ?? 'admin';
  const user: Record<string, string> = {};
  if (credentials.token) user.token = credentials.token;
  if (credentials.clientCertificate) {
    user['client-certificate-data'] = Buffer.from(credentials.clientCertificate.certPem).toString('base64');
    user['client-key-data'] = Buffer.from(credentials.clientCertificate.keyPem).toString('base64');
  }
  const context = `kube-emulator-${userName}`.replace(/[^A-Za-z0-9_.-]/g, '-');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kube-emulator', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: userName, user }],
    contexts: [{ name: context, context: { cluster: 'kube-emulator', user: userName, namespace: credentials.namespace ?? 'default' } }],
    'current-context': context,
    preferences: {},
  });
}
