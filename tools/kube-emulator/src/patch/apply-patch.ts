import type { PatchType } from '../store/resource-storage';
import { applyJsonPatch } from './json-patch';
import { applyMergePatch } from './json-merge-patch';
import { applyStrategicMergePatch } from './strategic-merge-patch';

/** The patched copy of `base`. An apply patch (server-side apply) merges like a strategic merge patch. */
export function applyPatch(patchType: PatchType, base: unknown, patch: unknown): unknown {
  switch (patchType) {
    case 'json':
      return applyJsonPatch(base, patch);
    case 'merge':
      return applyMergePatch(base, patch);
    case 'strategic':
    case 'apply':
      return applyStrategicMergePatch(base, patch);
  }
}
