import { isRecord, type KubeObject } from '../api/kube-object';
import { isWatchRequested } from '../api/request-info-parser';
import { apiVersionOf, storageKey, type ResourceType } from '../api/resource-registry';
import { FieldError, StatusError } from '../api/status-error';
import { applyPatch } from '../patch/apply-patch';
import type { Clock } from '../clock';
import type { EscalationGuard } from '../rbac/escalation-guard';
import { FieldSelector } from '../selectors/field-selector';
import { LabelSelector } from '../selectors/label-selector';
import type { ObjectStore, StoredObject } from '../store/object-store';
import type { DeleteOptions, ListOptions, ResourceStorage, WriteOptions } from '../store/resource-storage';
import type { IncludeObject, TableConverter } from '../table/table-converter';
import type { WatchHub } from '../watch/watch-hub';
import { WatchStream } from '../watch/watch-stream';
import { negotiate, TABLE_CONTENT_TYPE, type ResponseForm } from './content-negotiation';
import { readObjectBody, readPatchBody } from './request-body';
import type { RequestContext } from './request-context';

// REST verbs on stored resources and their status/scale subresources: request parsing, response
// forms (JSON, YAML, Table, PartialObjectMetadata) and watches. Semantics live in ResourceStorage.

const RBAC_WRITES = new Set(['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings']);

export interface ResourceHandlerDeps {
  store: ObjectStore;
  storage: ResourceStorage;
  hub: WatchHub;
  tables: TableConverter;
  escalation: EscalationGuard;
  clock: Clock;
  bookmarkIntervalMs: number;
  watches: Set<WatchStream>;
}

export class ResourceHandler {
  constructor(private readonly deps: ResourceHandlerDeps) {}

  async handle(ctx: RequestContext, type: ResourceType): Promise<void> {
    const { verb, subresource, namespace } = ctx.info;
    if (type.namespaced && !namespace && verb !== 'list' && verb !== 'watch') throw StatusError.pathNotFound();
    if (!type.namespaced && namespace && type.resource !== 'namespaces') throw StatusError.pathNotFound();
    if (subresource === 'status') return this.handleStatus(ctx, type);
    if (subresource === 'scale' && type.subresources.some((s) => s.name === 'scale')) return this.handleScale(ctx, type);
    if (subresource) throw StatusError.pathNotFound();
    if (!type.verbs.includes(verb)) throw StatusError.methodNotAllowed();
    // A collection takes no PUT/PATCH, a named object no POST.
    if ((verb === 'update' || verb === 'patch') && !ctx.info.name) throw StatusError.methodNotAllowed();
    if (verb === 'create' && ctx.info.name) throw StatusError.methodNotAllowed();
    switch (verb) {
      case 'get':
        return this.get(ctx, type);
      case 'list':
        return this.list(ctx, type);
      case 'watch':
        return this.watch(ctx, type);
      case 'create':
        return this.create(ctx, type);
      case 'update':
        return this.update(ctx, type, '');
      case 'patch':
        return this.patch(ctx, type, '');
      case 'delete':
        return this.delete(ctx, type);
      case 'deletecollection':
        return this.deleteCollection(ctx, type);
      default:
        throw StatusError.methodNotAllowed();
    }
  }

  private async handleStatus(ctx: RequestContext, type: ResourceType): Promise<void> {
    if (!type.subresources.some((s) => s.name === 'status')) throw StatusError.pathNotFound();
    switch (ctx.info.verb) {
      case 'get':
        return this.get(ctx, type);
      case 'update':
        return this.update(ctx, type, 'status');
      case 'patch':
        return this.patch(ctx, type, 'status');
      default:
        throw StatusError.methodNotAllowed();
    }
  }

  private get(ctx: RequestContext, type: ResourceType): void {
    const stored = this.deps.storage.get(type, ctx.info.namespace, ctx.info.name);
    const form = this.form(ctx, true);
    if (form.kind === 'table') {
      const table = this.deps.tables.toTable(type, [stored], includeObject(ctx), { resourceVersion: String(stored.resourceVersion) });
      return ctx.send(200, JSON.stringify(table), TABLE_CONTENT_TYPE);
    }
    if (form.kind === 'partial-metadata') return ctx.sendJson(200, partialMetadata(stored));
    ctx.sendDocument(200, stored.json, form.kind === 'yaml');
  }

  private list(ctx: RequestContext, type: ResourceType): void {
    const options = this.listOptions(ctx, type);
    const limit = ctx.query.get('limit');
    if (limit !== null && !/^\d+$/.test(limit)) throw StatusError.badRequest(`invalid limit: ${limit}`);
    const result = this.deps.storage.list(type, { ...options, limit: limit ? Number(limit) : undefined, continueToken: ctx.query.get('continue') ?? undefined });
    const listMeta: Record<string, unknown> = { resourceVersion: String(result.resourceVersion) };
    if (result.continueToken) listMeta.continue = result.continueToken;
    if (result.remainingItemCount !== undefined) listMeta.remainingItemCount = result.remainingItemCount;
    const form = this.form(ctx, true);
    if (form.kind === 'table') {
      return ctx.send(200, JSON.stringify(this.deps.tables.toTable(type, result.items, includeObject(ctx), listMeta)), TABLE_CONTENT_TYPE);
    }
    if (form.kind === 'partial-metadata') {
      return ctx.sendJson(200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: listMeta, items: result.items.map(partialMetadata) });
    }
    ctx.sendDocument(200, listJson(type, listMeta, result.items), form.kind === 'yaml');
  }

  private watch(ctx: RequestContext, type: ResourceType): void {
    const options = this.listOptions(ctx, type);
    // The legacy /watch/<resource>/<name> form watches one object.
    const fieldSelector = ctx.info.name
      ? FieldSelector.parse(joinSelectors(ctx.query.get('fieldSelector'), `metadata.name=${ctx.info.name}`), storageKey(type), type.namespaced)
      : options.fieldSelector;
    const form = this.form(ctx, true);
    const include = includeObject(ctx);
    const encode = (stored: StoredObject): string => {
      if (form.kind === 'table') return JSON.stringify(this.deps.tables.toTable(type, [stored], include, { resourceVersion: String(stored.resourceVersion) }));
      if (form.kind === 'partial-metadata') return JSON.stringify(partialMetadata(stored));
      return stored.json;
    };
    const timeout = ctx.query.get('timeoutSeconds');
    ctx.startStream(form.kind === 'table' ? TABLE_CONTENT_TYPE : 'application/json');
    const stream = new WatchStream(
      this.deps.hub,
      {
        storageKey: storageKey(type),
        namespace: type.namespaced ? options.namespace : '',
        labelSelector: options.labelSelector,
        fieldSelector,
        resourceVersion: ctx.query.get('resourceVersion') ?? '',
        sendInitialEvents: flag(ctx.query.get('sendInitialEvents')),
        allowBookmarks: flag(ctx.query.get('allowWatchBookmarks')),
        timeoutSeconds: timeout ? Number(timeout) : undefined,
        bookmarkIntervalMs: this.deps.bookmarkIntervalMs,
        currentObjects: () => this.deps.store.list(storageKey(type), type.namespaced ? options.namespace || undefined : undefined),
        currentResourceVersion: () => this.deps.store.currentResourceVersion,
        encode,
        bookmarkObject: (rv, annotations) =>
          JSON.stringify({ kind: type.kind, apiVersion: apiVersionOf(type), metadata: { resourceVersion: String(rv), ...(annotations ? { annotations } : {}) } }),
      },
      {
        write: (chunk) => ctx.write(chunk),
        end: () => {
          this.deps.watches.delete(stream);
          ctx.end();
        },
      },
    );
    this.deps.watches.add(stream);
    ctx.res.on('close', () => stream.close());
    stream.start();
  }

  private async create(ctx: RequestContext, type: ResourceType): Promise<void> {
    const body = await readObjectBody(ctx);
    const stored = this.deps.storage.create(type, ctx.info.namespace, body, this.writeOptions(ctx, type));
    ctx.sendDocument(201, stored.json, this.form(ctx, false).kind === 'yaml');
  }

  private async update(ctx: RequestContext, type: ResourceType, subresource: '' | 'status'): Promise<void> {
    const body = await readObjectBody(ctx);
    const { object, created } = this.deps.storage.update(type, ctx.info.namespace, ctx.info.name, body, subresource, this.writeOptions(ctx, type));
    ctx.sendDocument(created ? 201 : 200, object.json, this.form(ctx, false).kind === 'yaml');
  }

  private async patch(ctx: RequestContext, type: ResourceType, subresource: '' | 'status'): Promise<void> {
    const { patchType, patch } = await readPatchBody(ctx);
    const { object, created } = this.deps.storage.patch(type, ctx.info.namespace, ctx.info.name, patchType, patch, subresource, this.writeOptions(ctx, type));
    ctx.sendDocument(created ? 201 : 200, object.json, this.form(ctx, false).kind === 'yaml');
  }

  private async delete(ctx: RequestContext, type: ResourceType): Promise<void> {
    const options = await deleteOptions(ctx);
    const deleted = this.deps.storage.delete(type, ctx.info.namespace, ctx.info.name, options, this.writeOptions(ctx, type));
    if (type.deleteReturnsObject) return ctx.sendDocument(200, deleted.json, this.form(ctx, false).kind === 'yaml');
    ctx.sendJson(200, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: deleted.name, ...(type.group ? { group: type.group } : {}), kind: type.resource, uid: deleted.object.metadata.uid },
    });
  }

  private async deleteCollection(ctx: RequestContext, type: ResourceType): Promise<void> {
    const options = await deleteOptions(ctx);
    const deleted = this.deps.storage.deleteCollection(type, this.listOptions(ctx, type), options, this.writeOptions(ctx, type));
    ctx.sendDocument(200, listJson(type, { resourceVersion: String(this.deps.store.currentResourceVersion) }, deleted), this.form(ctx, false).kind === 'yaml');
  }

  /** deployments/scale: an autoscaling/v1 Scale view of spec.replicas. */
  private async handleScale(ctx: RequestContext, type: ResourceType): Promise<void> {
    const { namespace, name, verb } = ctx.info;
    const current = this.deps.storage.get(type, namespace, name);
    if (verb === 'get') return ctx.sendJson(200, scaleOf(current.object));
    if (verb !== 'update' && verb !== 'patch') throw StatusError.methodNotAllowed();
    let scale: unknown;
    if (verb === 'update') scale = await readObjectBody(ctx);
    else {
      const { patchType, patch } = await readPatchBody(ctx);
      scale = applyPatch(patchType, scaleOf(current.object), patch);
    }
    if (!isRecord(scale)) throw StatusError.badRequest('the body of the request was not a JSON object');
    const scaleMeta = (scale.metadata ?? {}) as KubeObject['metadata'];
    const replicas = (scale.spec as { replicas?: unknown } | undefined)?.replicas;
    if (typeof replicas !== 'number' || replicas < 0) {
      throw StatusError.invalid('Scale', 'autoscaling', name, [FieldError.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]);
    }
    const next = structuredClone(current.object);
    (next.spec as { replicas: number }).replicas = replicas;
    if (scaleMeta.resourceVersion) next.metadata.resourceVersion = scaleMeta.resourceVersion;
    const { object } = this.deps.storage.update(type, namespace, name, next, '', this.writeOptions(ctx, type));
    ctx.sendJson(200, scaleOf(object.object));
  }

  private listOptions(ctx: RequestContext, type: ResourceType): ListOptions {
    return {
      namespace: ctx.info.namespace,
      labelSelector: LabelSelector.parse(ctx.query.get('labelSelector')),
      fieldSelector: FieldSelector.parse(ctx.query.get('fieldSelector'), storageKey(type), type.namespaced),
    };
  }

  private writeOptions(ctx: RequestContext, type: ResourceType): WriteOptions {
    const dryRun = ctx.query.getAll('dryRun');
    if (dryRun.some((d) => d !== 'All')) throw StatusError.badRequest(`Invalid dryRun value: ${dryRun.join(',')}`);
    const options: WriteOptions = { dryRun: dryRun.length > 0 };
    if (RBAC_WRITES.has(type.resource) && type.group === 'rbac.authorization.k8s.io') {
      const user = ctx.user!;
      const guard = this.deps.escalation;
      options.admit = type.resource.endsWith('bindings')
        ? (next, previous) => guard.checkBinding(user, ctx.info, next, previous)
        : (next, previous) => guard.checkRole(user, ctx.info, next, previous);
    }
    return options;
  }

  private form(ctx: RequestContext, objects: boolean): ResponseForm {
    return negotiate(ctx.header('accept'), { objects, discovery: false });
  }
}

export function listJson(type: ResourceType, listMeta: Record<string, unknown>, items: StoredObject[]): string {
  return `{"kind":"${type.kind}List","apiVersion":"${apiVersionOf(type)}","metadata":${JSON.stringify(listMeta)},"items":[${items.map((s) => s.itemJson).join(',')}]}`;
}

function partialMetadata(stored: StoredObject): object {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: stored.object.metadata };
}

function includeObject(ctx: RequestContext): IncludeObject {
  const value = ctx.query.get('includeObject');
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}

function flag(value: string | null): boolean {
  return value !== null && isWatchRequested(new URLSearchParams({ watch: value }));
}

function joinSelectors(a: string | null, b: string): string {
  return a ? `${a},${b}` : b;
}

async function deleteOptions(ctx: RequestContext): Promise<DeleteOptions> {
  const body = await readObjectBody(ctx, true);
  return isRecord(body) && isRecord(body.preconditions) ? { preconditions: body.preconditions as DeleteOptions['preconditions'] } : {};
}

function scaleOf(d: KubeObject): object {
  const selector = ((d.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels ?? {}) as Record<string, string>;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: d.metadata.name,
      namespace: d.metadata.namespace,
      uid: d.metadata.uid,
      resourceVersion: d.metadata.resourceVersion,
      creationTimestamp: d.metadata.creationTimestamp,
    },
    spec: { replicas: (d.spec as { replicas?: number }).replicas ?? 0 },
    status: {
      replicas: (d.status as { replicas?: number } | undefined)?.replicas ?? 0,
      selector: Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(','),
    },
  };
}
