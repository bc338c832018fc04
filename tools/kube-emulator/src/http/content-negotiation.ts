import { StatusError } from '../api/status-error';

// Chooses the response form from the Accept header in the client's order of preference, skipping
// forms the emulator does not produce (protobuf): client-go always lists JSON as a fallback.

export type ResponseForm =
  | { kind: 'json' }
  | { kind: 'yaml' }
  | { kind: 'table' }
  | { kind: 'partial-metadata'; list: boolean }
  | { kind: 'aggregated-discovery'; version: 'v2' | 'v2beta1' };

export const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(header: string): MediaRange[] {
  return header
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [type, ...params] = part.split(';').map((p) => p.trim());
      return {
        type: type.toLowerCase(),
        params: Object.fromEntries(
          params.map((p) => {
            const eq = p.indexOf('=');
            return [p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim()];
          }),
        ),
      };
    });
}

export interface NegotiationContext {
  /** A GET of objects (get, list, watch): Table and PartialObjectMetadata forms apply. */
  objects: boolean;
  /** /api or /apis: the aggregated discovery form applies. */
  discovery: boolean;
}

export function negotiate(accept: string | undefined, ctx: NegotiationContext): ResponseForm {
  if (!accept) return { kind: 'json' };
  for (const range of parseAccept(accept)) {
    const { as, g, v } = range.params;
    if (range.type === 'application/json' && as) {
      if (ctx.objects && as === 'Table' && g === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1')) return { kind: 'table' };
      if (ctx.objects && (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && g === 'meta.k8s.io') {
        return { kind: 'partial-metadata', list: as === 'PartialObjectMetadataList' };
      }
      if (ctx.discovery && as === 'APIGroupDiscoveryList' && g === 'apidiscovery.k8s.io' && (v === 'v2' || v === 'v2beta1')) {
        return { kind: 'aggregated-discovery', version: v };
      }
      continue;
    }
    if (['application/json', 'application/*', '*/*', 'application/json-patch+json', 'application/merge-patch+json'].includes(range.type)) {
      return { kind: 'json' };
    }
    if (range.type === 'application/yaml') return { kind: 'yaml' };
  }
  throw StatusError.notAcceptable('only the following media types are accepted: application/json, application/yaml');
}
