// @peculiar/x509 2 resolves its parsers through tsyringe, which needs the Reflect polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createPrivateKey, webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto);

/** A certificate authority ready to sign: what every CA of Portcullis (kubeconfig, agent) loads from its PEM files. */
export interface SigningCa {
  certificate: x509.X509Certificate;
  signingKey: webcrypto.CryptoKey;
  signingAlgorithm: webcrypto.EcdsaParams | webcrypto.Algorithm;
  authorityKeyIdentifier: x509.AuthorityKeyIdentifierExtension;
}

const ecCurves: Record<string, { namedCurve: string; hash: string }> = {
  prime256v1: { namedCurve: 'P-256', hash: 'SHA-256' },
  secp384r1: { namedCurve: 'P-384', hash: 'SHA-384' },
  secp521r1: { namedCurve: 'P-521', hash: 'SHA-512' },
};

/** Loads a CA certificate and its RSA or EC (P-256/384/521) key; `name` words the error ("the agent CA key must be …"). */
export async function loadSigningCa(certificatePem: string, privateKeyPem: string, name: string): Promise<SigningCa> {
  const certificate = new x509.X509Certificate(certificatePem);
  const privateKey = createPrivateKey(privateKeyPem);
  let importAlgorithm: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams;
  let signingAlgorithm: SigningCa['signingAlgorithm'];
  if (privateKey.asymmetricKeyType === 'rsa') {
    importAlgorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    signingAlgorithm = { name: 'RSASSA-PKCS1-v1_5' };
  } else {
    const curve = privateKey.asymmetricKeyType === 'ec' ? ecCurves[privateKey.asymmetricKeyDetails?.namedCurve ?? ''] : undefined;
    if (!curve) throw new Error(`the ${name} key must be RSA or EC on P-256, P-384 or P-521`);
    importAlgorithm = { name: 'ECDSA', namedCurve: curve.namedCurve };
    signingAlgorithm = { name: 'ECDSA', hash: curve.hash };
  }
  const signingKey = await webcrypto.subtle.importKey('pkcs8', privateKey.export({ format: 'der', type: 'pkcs8' }), importAlgorithm, false, ['sign']);
  // Reuse the CA's own key identifier so chain builders match it whatever method made it.
  const caKeyId = certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const authorityKeyIdentifier = caKeyId ? new x509.AuthorityKeyIdentifierExtension(caKeyId) : await x509.AuthorityKeyIdentifierExtension.create(certificate.publicKey);
  return { certificate, signingKey, signingAlgorithm, authorityKeyIdentifier };
}
