// @peculiar/x509 2 resolves its parsers through tsyringe, which needs the Reflect polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto);

export interface KeyAndCsr {
  /** PKCS#8 PEM; it never leaves the cluster (it is kept only in the identity Secret). */
  keyPem: string;
  /** PKCS#10 PEM, CN = cluster name. */
  csrPem: string;
}

/** A fresh ECDSA P-256 key and a CSR for it, for every enrollment and every renewal. */
export async function createKeyAndCsr(clusterName: string): Promise<KeyAndCsr> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [clusterName] }],
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { keyPem: `${x509.PemConverter.encode(pkcs8, 'PRIVATE KEY')}\n`, csrPem: `${csr.toString('pem')}\n` };
}
