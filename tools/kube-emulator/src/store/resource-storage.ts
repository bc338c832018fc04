import { randomInt, randomUUID } from 'node:crypto';
import { isRecord, sameJson, type KubeObject } from '../api/kube-object';
import { apiVersionOf, storageKey, type ResourceType } from '../api/resource-registry';
import { FieldError, StatusError } from '../api/status-error';
import { rfc3339 } from '../clock';
import { applyPatch } from '../patch/apply-patch';
import type { FieldSelector } from '../selectors/field-selector';
import type { LabelSelector } from '../selectors/label-selector';
import { strategyFor, validateName, type StrategyContext } from '../strategies';
import { StoredObject, objectKey, type ObjectStore } from './object-store';

// The generic registry: create / update / patch / delete / list with the semantics of
// k8s.io/apiserver's generic Store (name generation, optimistic concurrency, no-op updates that
// keep the resourceVersion, status subresources, dry run, delete preconditions, pagination).

export interface WriteOptions {
  dryRun?: boolean;
  /** Admission for this write (privilege-escalation checks on RBAC objects); throws to refuse. */
  admit?: (next: KubeObject, previous?: KubeObject) => void;
}

export interface ListOptions {
  namespace: string;
  labelSelector: LabelSelector;
  fieldSelector: FieldSelector;
  limit?: number;
  continueToken?: string;
}

export interface ListResult {
  items: StoredObject[];
  resourceVersion: number;
  continueToken?: string;
  remainingItemCount?: number;
}

export interface DeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const NAMESPACES = '/namespaces';
const PROTECTED_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export class ResourceStorage {
  constructor(
    private readonly store: ObjectStore,
    private readonly ctx: StrategyContext,
  ) {}

  get(type: ResourceType, namespace: string, name: string): StoredObject {
    const found = this.store.get(storageKey(type), type.namespaced ? namespace : undefined, name);
    if (!found) throw StatusError.notFound(type, name);
    return found;
  }

  list(type: ResourceType, options: ListOptions): ListResult {
    let listRV = this.store.currentResourceVersion;
    let after: string | undefined;
    if (options.continueToken) {
      const token = decodeContinue(options.continueToken);
      listRV = token.rv;
      after = token.start;
    }
    const candidates = this.store.list(storageKey(type), type.namespaced ? options.namespace || undefined : undefined, after);
    const filtered = options.labelSelector.isEmpty && options.fieldSelector.isEmpty;
    const matches = (s: StoredObject) => options.labelSelector.matches(s.object.metadata.labels) && options.fieldSelector.matches(s.object);
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const items: StoredObject[] = [];
    let index = 0;
    for (; index < candidates.length && items.length < limit; index++) {
      if (matches(candidates[index])) items.push(candidates[index]);
    }
    const rest = candidates.slice(index);
    const remaining = filtered ? rest.length : rest.filter(matches).length;
    if (remaining === 0) return { items, resourceVersion: listRV };
    const last = items[items.length - 1];
    return {
      items,
      resourceVersion: listRV,
      continueToken: encodeContinue(listRV, objectKey(last.object.metadata.namespace, last.name)),
      ...(filtered ? { remainingItemCount: remaining } : {}),
    };
  }

  create(type: ResourceType, namespace: string, body: unknown, options: WriteOptions = {}): StoredObject {
    const obj = this.decode(type, body);
    this.bindNamespace(type, obj, namespace);
    const strategy = strategyFor(storageKey(type));
    if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = this.generateName(type, obj);
    if (!obj.metadata.name) {
      throw StatusError.invalid(type.kind, type.group, '', [FieldError.required('metadata.name', 'name or generateName is required')]);
    }
    const name = obj.metadata.name;
    const nameErrors = validateName(name, strategy.nameFormat);
    if (nameErrors.length) throw StatusError.invalid(type.kind, type.group, name, nameErrors);
    if (type.namespaced) this.requireLiveNamespace(type, obj);
    if (this.store.get(storageKey(type), obj.metadata.namespace, name)) throw StatusError.alreadyExists(type, name);

    const meta = obj.metadata;
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.ctx.clock.date());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.generation;
    if (strategy.tracksGeneration) meta.generation = 1;
    strategy.prepareForCreate(obj, this.ctx);
    const errors = strategy.validate(obj);
    if (errors.length) throw StatusError.invalid(type.kind, type.group, name, errors);
    options.admit?.(obj);
    if (options.dryRun) return new StoredObject(obj, this.store.currentResourceVersion);
    return this.store.put(storageKey(type), obj);
  }

  /** PUT. `created` tells the caller to answer 201 (update of a missing object that may be created). */
  update(
    type: ResourceType,
    namespace: string,
    name: string,
    body: unknown,
    subresource: '' | 'status',
    options: WriteOptions = {},
  ): { object: StoredObject; created: boolean } {
    const key = storageKey(type);
    const ns = type.namespaced ? namespace : undefined;
    const existing = this.store.get(key, ns, name);
    const obj = this.decode(type, body);
    if (obj.metadata.name !== name) {
      throw StatusError.badRequest(`the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${name})`);
    }
    if (!existing) {
      if (type.allowCreateOnUpdate && !subresource) return { object: this.create(type, namespace, obj, options), created: true };
      throw StatusError.notFound(type, name);
    }
    this.bindNamespace(type, obj, namespace);
    const current = existing.object;
    const meta = obj.metadata;
    if (meta.resourceVersion && meta.resourceVersion !== current.metadata.resourceVersion) throw StatusError.staleUpdate(type, name);
    if (meta.uid && meta.uid !== current.metadata.uid) {
      throw StatusError.conflict(type, name, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    const strategy = strategyFor(key);
    let next: KubeObject;
    if (subresource === 'status') {
      next = structuredClone(current);
      next.status = obj.status;
    } else {
      next = obj;
      if (strategy.hasStatus) next.status = structuredClone(current.status);
    }
    next.metadata.uid = current.metadata.uid;
    next.metadata.creationTimestamp = current.metadata.creationTimestamp;
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    if (current.metadata.deletionTimestamp) next.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
    else delete next.metadata.deletionTimestamp;
    if (strategy.tracksGeneration) {
      next.metadata.generation = current.metadata.generation;
      if (subresource !== 'status' && !sameJson(specOf(next), specOf(current))) {
        next.metadata.generation = (current.metadata.generation ?? 1) + 1;
      }
    }
    if (subresource !== 'status') strategy.prepareForUpdate(next, current, this.ctx);
    const errors = strategy.validate(next, current);
    if (errors.length) throw StatusError.invalid(type.kind, type.group, name, errors);
    options.admit?.(next, current);
    if (sameJson(next, current)) return { object: existing, created: false };
    if (options.dryRun) return { object: new StoredObject(next, existing.resourceVersion), created: false };
    return { object: this.store.put(key, next), created: false };
  }

  patch(
    type: ResourceType,
    namespace: string,
    name: string,
    patchType: PatchType,
    patch: unknown,
    subresource: '' | 'status',
    options: WriteOptions = {},
  ): { object: StoredObject; created: boolean } {
    const existing = this.store.get(storageKey(type), type.namespaced ? namespace : undefined, name);
    if (!existing) {
      if (patchType !== 'apply') throw StatusError.notFound(type, name);
      const obj = this.decode(type, patch);
      if (obj.metadata.name !== name) {
        throw StatusError.badRequest(`the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${name})`);
      }
      return { object: this.create(type, namespace, obj, options), created: true };
    }
    const patched = applyPatch(patchType, structuredClone(existing.object), patch);
    if (!isRecord(patched) || !isRecord(patched.metadata)) throw StatusError.badRequest('the patch produced an object without metadata');
    return this.update(type, namespace, name, patched, subresource, options);
  }

  delete(type: ResourceType, namespace: string, name: string, deleteOptions: DeleteOptions, options: WriteOptions = {}): StoredObject {
    const key = storageKey(type);
    const existing = this.get(type, namespace, name);
    const pre = deleteOptions.preconditions;
    if (pre?.uid && pre.uid !== existing.object.metadata.uid) {
      throw StatusError.conflict(type, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${existing.object.metadata.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== existing.object.metadata.resourceVersion) {
      throw StatusError.conflict(
        type,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${existing.object.metadata.resourceVersion}`,
      );
    }
    if (key === NAMESPACES) return this.terminateNamespace(type, existing, options);
    if (options.dryRun) return existing;
    return this.store.remove(key, existing.object.metadata.namespace, name)!;
  }

  deleteCollection(type: ResourceType, list: ListOptions, deleteOptions: DeleteOptions, options: WriteOptions = {}): StoredObject[] {
    const { items } = this.list(type, { ...list, limit: undefined, continueToken: undefined });
    return items.map((s) => this.delete(type, s.namespace, s.name, deleteOptions, options));
  }

  private terminateNamespace(type: ResourceType, existing: StoredObject, options: WriteOptions): StoredObject {
    if (PROTECTED_NAMESPACES.has(existing.name)) throw StatusError.forbidden(type, existing.name, 'this namespace may not be deleted');
    if (existing.object.metadata.deletionTimestamp || options.dryRun) return existing;
    const next = structuredClone(existing.object);
    next.metadata.deletionTimestamp = rfc3339(this.ctx.clock.date());
    next.status = { phase: 'Terminating' };
    return this.store.put(NAMESPACES, next);
  }

  private decode(type: ResourceType, body: unknown): KubeObject {
    if (!isRecord(body)) throw StatusError.badRequest('the body of the request was not a JSON object');
    const obj = structuredClone(body) as KubeObject;
    const expected = apiVersionOf(type);
    if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
      throw StatusError.badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected})`);
    }
    if (obj.kind !== undefined && obj.kind !== type.kind) {
      throw StatusError.badRequest(`the kind in the data (${String(obj.kind)}) does not match the expected kind (${type.kind})`);
    }
    obj.apiVersion = expected;
    obj.kind = type.kind;
    if (!isRecord(obj.metadata)) obj.metadata = {};
    return obj;
  }

  private bindNamespace(type: ResourceType, obj: KubeObject, namespace: string): void {
    if (!type.namespaced) {
      delete obj.metadata.namespace;
      return;
    }
    if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
      throw StatusError.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    obj.metadata.namespace = namespace;
  }

  private requireLiveNamespace(type: ResourceType, obj: KubeObject): void {
    const ns = this.store.get(NAMESPACES, undefined, obj.metadata.namespace!);
    if (!ns) throw StatusError.notFound({ group: '', resource: 'namespaces' }, obj.metadata.namespace!);
    if (ns.object.metadata.deletionTimestamp) {
      throw StatusError.forbidden(
        type,
        obj.metadata.name!,
        `unable to create new content in namespace ${obj.metadata.namespace} because it is being terminated`,
      );
    }
  }

  private generateName(type: ResourceType, obj: KubeObject): string {
    const base = obj.metadata.generateName!.slice(0, 58);
    for (;;) {
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += GENERATE_ALPHABET[randomInt(GENERATE_ALPHABET.length)];
      if (!this.store.get(storageKey(type), obj.metadata.namespace, base + suffix)) return base + suffix;
    }
  }
}

function specOf(obj: KubeObject): unknown {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = obj;
  return rest;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.rv !== 'number' || typeof parsed.start !== 'string') throw new Error('bad token');
    return parsed;
  } catch {
    throw StatusError.badRequest('continue key is not valid: invalid continue token');
  }
}
