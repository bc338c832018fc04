import { X509Certificate } from 'node:crypto';
import { ClusterErrorCode, ClusterException } from './cluster.exception';

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END \1-----/g;

/**
 * One or more PEM certificates and nothing else, each of which parses; returned normalised
 * (one block after another, ending in a newline), as TLS clients and kubeconfigs take it.
 */
export function parseCaBundle(pem: string): string {
  const invalid = (reason: string) => new ClusterException(ClusterErrorCode.InvalidInput, `caBundle: ${reason}`);
  const blocks = [...pem.matchAll(pemBlock)];
  if (blocks.length === 0) throw invalid('no PEM certificate found');
  const leftover = pem.replace(pemBlock, '').trim();
  if (leftover) throw invalid('contains text that is not a PEM certificate');
  return blocks
    .map((block, index) => {
      if (block[1] !== 'CERTIFICATE') throw invalid(`block ${index + 1} is a ${block[1]}, not a CERTIFICATE`);
      try {
        new X509Certificate(block[0]);
      } catch {
        throw invalid(`certificate ${index + 1} does not parse`);
      }
      return `${block[0].replace(/\r\n/g, '\n')}\n`;
    })
    .join('');
}
