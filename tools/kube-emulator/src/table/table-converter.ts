import type { KubeObject, Subject } from '../api/kube-object';
import type { ResourceType } from '../api/resource-registry';
import type { Clock } from '../clock';
import type { StoredObject } from '../store/object-store';
import { humanDuration } from './human-duration';

// The server-side printing `kubectl get` asks for (Accept: ...;as=Table;v=v1;g=meta.k8s.io):
// the same columns, priorities and cell formats as the apiserver's built-in printers.

interface ColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'date';
  format: string;
  description: string;
  priority: number;
}

type Cell = string | number;
type Age = (timestamp: string | undefined) => string;
type Printer = { columns: ColumnDefinition[]; cells(obj: KubeObject, age: Age): Cell[] };
export type IncludeObject = 'None' | 'Metadata' | 'Object';

const col = (name: string, type: ColumnDefinition['type'] = 'string', priority = 0, format = ''): ColumnDefinition => ({
  name,
  type,
  format,
  description: `${name} of the object`,
  priority,
});
const NAME = col('Name', 'string', 0, 'name');
const AGE = col('Age');
const NONE = '<none>';

const spec = (o: KubeObject) => (o.spec ?? {}) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const status = (o: KubeObject) => (o.status ?? {}) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const count = (v: unknown) => (v && typeof v === 'object' ? Object.keys(v).length : 0);

function bindingPrinter(): Printer {
  const names = (o: KubeObject, kind: string) =>
    ((o.subjects as Subject[] | undefined) ?? [])
      .filter((s) => s.kind === kind)
      .map((s) => (kind === 'ServiceAccount' ? `${s.namespace ?? o.metadata.namespace ?? ''}/${s.name}` : s.name))
      .join(', ');
  return {
    columns: [NAME, col('Role'), AGE, col('Users', 'string', 1), col('Groups', 'string', 1), col('ServiceAccounts', 'string', 1)],
    cells: (o, age) => {
      const ref = o.roleRef as { kind: string; name: string };
      return [o.metadata.name!, `${ref.kind}/${ref.name}`, age(o.metadata.creationTimestamp), names(o, 'User'), names(o, 'Group'), names(o, 'ServiceAccount')];
    },
  };
}

const EVENT_PRINTER: Printer = {
  columns: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Subobject', 'string', 1), col('Source', 'string', 1), col('Message'), col('First Seen', 'string', 1), col('Count', 'integer', 1), col('Name', 'string', 1)],
  cells: (o, age) => {
    const e = o as KubeObject & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const involved = e.involvedObject ?? {};
    const source = e.source?.component ? [e.source.component, e.source.host].filter(Boolean).join(', ') : (e.reportingComponent ?? '');
    return [
      age(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp),
      e.type ?? '',
      e.reason ?? '',
      `${String(involved.kind ?? '').toLowerCase()}/${involved.name ?? ''}`,
      involved.fieldPath ?? '',
      source,
      String(e.message ?? '').trim(),
      age(e.firstTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp),
      e.count ?? 1,
      e.metadata.name!,
    ];
  },
};

const PRINTERS: Record<string, Printer> = {
  '/pods': {
    columns: [NAME, col('Ready'), col('Status'), col('Restarts'), AGE, col('IP', 'string', 1), col('Node', 'string', 1), col('Nominated Node', 'string', 1), col('Readiness Gates', 'string', 1)],
    cells: (o, age) => {
      const containers = (spec(o).containers ?? []) as unknown[];
      const statuses = (status(o).containerStatuses ?? []) as Array<{ ready?: boolean; restartCount?: number }>;
      const ready = statuses.filter((s) => s.ready).length;
      const restarts = statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0);
      const phase = o.metadata.deletionTimestamp ? 'Terminating' : (status(o).phase ?? 'Pending');
      return [o.metadata.name!, `${ready}/${containers.length}`, phase, String(restarts), age(o.metadata.creationTimestamp), status(o).podIP ?? NONE, spec(o).nodeName ?? NONE, NONE, NONE];
    },
  },
  '/namespaces': {
    columns: [NAME, col('Status'), AGE],
    cells: (o, age) => [o.metadata.name!, status(o).phase ?? 'Active', age(o.metadata.creationTimestamp)],
  },
  '/services': {
    columns: [NAME, col('Type'), col('Cluster-IP'), col('External-IP'), col('Port(s)'), AGE, col('Selector', 'string', 1)],
    cells: (o, age) => {
      const s = spec(o);
      const external = s.type === 'LoadBalancer' ? '<pending>' : s.type === 'ExternalName' ? s.externalName : (s.externalIPs ?? []).join(',') || NONE;
      const ports = ((s.ports ?? []) as Array<{ port: number; nodePort?: number; protocol?: string }>)
        .map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`)
        .join(',');
      const selector = Object.entries((s.selector ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',');
      return [o.metadata.name!, s.type ?? 'ClusterIP', s.clusterIP ?? NONE, external, ports || NONE, age(o.metadata.creationTimestamp), selector || NONE];
    },
  },
  '/configmaps': {
    columns: [NAME, col('Data', 'integer'), AGE],
    cells: (o, age) => [o.metadata.name!, count(o.data) + count(o.binaryData), age(o.metadata.creationTimestamp)],
  },
  '/secrets': {
    columns: [NAME, col('Type'), col('Data', 'integer'), AGE],
    cells: (o, age) => [o.metadata.name!, String(o.type ?? 'Opaque'), count(o.data), age(o.metadata.creationTimestamp)],
  },
  '/serviceaccounts': {
    columns: [NAME, col('Secrets', 'integer'), AGE],
    cells: (o, age) => [o.metadata.name!, ((o.secrets as unknown[] | undefined) ?? []).length, age(o.metadata.creationTimestamp)],
  },
  'apps/deployments': {
    columns: [NAME, col('Ready'), col('Up-to-date', 'integer'), col('Available', 'integer'), AGE, col('Containers', 'string', 1), col('Images', 'string', 1), col('Selector', 'string', 1)],
    cells: (o, age) => {
      const containers = (spec(o).template?.spec?.containers ?? []) as Array<{ name: string; image: string }>;
      const selector = Object.entries((spec(o).selector?.matchLabels ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',');
      return [
        o.metadata.name!,
        `${status(o).readyReplicas ?? 0}/${spec(o).replicas ?? 0}`,
        status(o).updatedReplicas ?? 0,
        status(o).availableReplicas ?? 0,
        age(o.metadata.creationTimestamp),
        containers.map((c) => c.name).join(','),
        containers.map((c) => c.image).join(','),
        selector || NONE,
      ];
    },
  },
  'rbac.authorization.k8s.io/rolebindings': bindingPrinter(),
  'rbac.authorization.k8s.io/clusterrolebindings': bindingPrinter(),
  '/events': EVENT_PRINTER,
};

const CREATED_AT: Printer = {
  columns: [NAME, col('Created At', 'date', 0, 'date-time')],
  cells: (o) => [o.metadata.name!, o.metadata.creationTimestamp ?? ''],
};

export class TableConverter {
  constructor(private readonly clock: Clock) {}

  toTable(type: ResourceType, objects: StoredObject[], include: IncludeObject, listMeta: Record<string, unknown>): Record<string, unknown> {
    const printer = PRINTERS[`${type.group}/${type.resource}`] ?? CREATED_AT;
    const age: Age = (timestamp) => (timestamp ? humanDuration(this.clock.now() - Date.parse(timestamp)) : NONE);
    return {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: listMeta,
      columnDefinitions: printer.columns,
      rows: objects.map((s) => ({ cells: printer.cells(s.object, age), object: embedded(s, include) })),
    };
  }
}

function embedded(stored: StoredObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return JSON.parse(stored.json);
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: stored.object.metadata };
}
