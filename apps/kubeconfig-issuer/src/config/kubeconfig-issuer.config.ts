import { certificateFile, ConfigError, EnvSource, envUrl, httpPort, loadServiceConfig, readsAsPrivateKey, sensitive } from '@portcullis/platform/config';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';



// The files are read here, at boot, so a wrong path or a DER file stops the service with the
// usual one-line config error instead of failing the first kubeconfig download.

const kubeconfigIssuerConfigShape = {
  HTTP_PORT: httpPort(3003),
  KUBECONFIG_CA_CERT_FILE: certificateFile('a readable PEM file with the CA certificate that signs kubeconfig client certificates'),
  // The path is sensitive too: it says where the CA key lives.
  KUBECONFIG_CA_KEY_FILE: sensitive(
    z.string().refine((file) => readsAsPrivateKey(file, ['ec', 'rsa']), 'not a readable PEM private key').describe('a readable PEM file with the private key (EC or RSA) of KUBECONFIG_CA_CERT_FILE'),
  ),
  PROXY_PUBLIC_URL: envUrl(['https'], 'the https:// URL kubectl reaches the proxy at, e.g. https://127.0.0.1:8443'),
  PROXY_CA_CERT_FILE: certificateFile("a readable PEM file with the CA certificate of the proxy's serving certificate"),
};

export type KubeconfigIssuerConfig = ReturnType<typeof loadKubeconfigIssuerConfig>;

export function loadKubeconfigIssuerConfig(env?: EnvSource) {
  const config = loadServiceConfig(kubeconfigIssuerConfigShape, env);
  const ca = new X509Certificate(fs.readFileSync(config.KUBECONFIG_CA_CERT_FILE));
  if (!ca.ca || new Date(ca.validTo).getTime() <= Date.now()) {
    throw new ConfigError(['KUBECONFIG_CA_CERT_FILE is invalid, expects an unexpired CA certificate (basicConstraints CA:TRUE)']);
  }
  if (!ca.checkPrivateKey(createPrivateKey(fs.readFileSync(config.KUBECONFIG_CA_KEY_FILE)))) {
    throw new ConfigError(['KUBECONFIG_CA_KEY_FILE is invalid, expects the private key of the certificate in KUBECONFIG_CA_CERT_FILE']);
  }
  return config;
}
