import { parse as parseYaml } from 'yaml';
import { StatusError } from '../api/status-error';
import type { PatchType } from '../store/resource-storage';
import { decodeProtobufObject } from './protobuf-body';
import type { RequestContext } from './request-context';

// Request bodies: JSON, YAML or (for the kinds kubectl's typed clients send) protobuf objects;
// patches by Content-Type.

export async function readObjectBody(ctx: RequestContext, allowEmpty = false): Promise<unknown> {
  const raw = await ctx.readBody();
  if (raw.length === 0) {
    if (allowEmpty) return undefined;
    throw StatusError.badRequest('the request body is empty');
  }
  const type = (ctx.header('content-type') ?? 'application/json').split(';')[0].trim().toLowerCase();
  return decode(raw, type);
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

export async function readPatchBody(ctx: RequestContext): Promise<{ patchType: PatchType; patch: unknown }> {
  const contentType = (ctx.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const patchType = PATCH_TYPES[contentType];
  if (!patchType) throw StatusError.unsupportedMediaType(contentType);
  if (patchType === 'apply' && !ctx.query.get('fieldManager')) {
    throw new StatusError(422, 'Invalid', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  }
  const raw = await ctx.readBody();
  return { patchType, patch: decode(raw, patchType === 'apply' ? 'application/yaml' : 'application/json') };
}

function decode(raw: Buffer, type: string): unknown {
  if (type === 'application/vnd.kubernetes.protobuf') return decodeProtobufObject(raw);
  const text = raw.toString('utf8');
  if (type === 'application/json' || type.endsWith('+json')) {
    try {
      return JSON.parse(text);
    } catch (e) {
      throw StatusError.badRequest(`the request body could not be decoded as JSON: ${(e as Error).message}`);
    }
  }
  if (type === 'application/yaml' || type.endsWith('+yaml')) {
    try {
      return parseYaml(text);
    } catch (e) {
      throw StatusError.badRequest(`the request body could not be decoded as YAML: ${(e as Error).message}`);
    }
  }
  throw StatusError.unsupportedMediaType(type);
}
