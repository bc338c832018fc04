import type { KubeObject } from '../api/kube-object';
import { StatusError } from '../api/status-error';
import type { PodLogStore } from '../logs/pod-log-store';
import type { ObjectStore } from '../store/object-store';
import type { RequestContext } from './request-context';

// GET .../pods/<name>/log with the kubelet's options: container, tailLines, sinceTime,
// sinceSeconds, timestamps, limitBytes, previous, follow (a plain chunked text stream).

type Container = { name: string };

export class PodLogHandler {
  constructor(
    private readonly store: ObjectStore,
    private readonly logs: PodLogStore,
    private readonly now: () => number,
    private readonly follows: Set<() => void>,
  ) {}

  handle(ctx: RequestContext): void {
    if (ctx.info.verb !== 'get') throw StatusError.methodNotAllowed();
    const { namespace, name } = ctx.info;
    const pod = this.store.get('/pods', namespace, name);
    if (!pod) throw StatusError.notFound({ group: '', resource: 'pods' }, name);
    const container = chooseContainer(pod.object, ctx.query.get('container'));
    const q = ctx.query;
    if (flag(q.get('previous'))) throw StatusError.badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    const sinceTime = q.get('sinceTime');
    const sinceSeconds = q.get('sinceSeconds');
    const options = {
      timestamps: flag(q.get('timestamps')),
      tailLines: integer(q.get('tailLines'), 'tailLines'),
      limitBytes: integer(q.get('limitBytes'), 'limitBytes'),
      sinceTimeMs: sinceTime ? parseTime(sinceTime) : sinceSeconds ? this.now() - (integer(sinceSeconds, 'sinceSeconds') ?? 0) * 1000 : undefined,
    };
    const existing = this.logs.read(namespace, name, container, options);
    if (!flag(q.get('follow'))) return ctx.send(200, existing, 'text/plain');

    ctx.startStream('text/plain');
    if (existing) ctx.write(existing);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      unsubscribe();
      this.follows.delete(finish);
      ctx.end();
    };
    const unsubscribe = this.logs.follow(namespace, name, container, {
      timestamps: options.timestamps,
      onLine: (line) => ctx.write(line),
      onEnd: finish,
    });
    this.follows.add(finish);
    ctx.res.on('close', finish);
  }
}

function chooseContainer(pod: KubeObject, requested: string | null): string {
  const spec = pod.spec as { containers?: Container[]; initContainers?: Container[] };
  const containers = (spec.containers ?? []).map((c) => c.name);
  const all = [...containers, ...(spec.initContainers ?? []).map((c) => c.name)];
  const name = pod.metadata.name;
  if (requested) {
    if (!all.includes(requested)) throw StatusError.badRequest(`container ${requested} is not valid for pod ${name}`);
    return requested;
  }
  const preferred = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (preferred && containers.includes(preferred)) return preferred;
  if (containers.length === 1) return containers[0];
  throw StatusError.badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`);
}

function flag(value: string | null): boolean {
  return value !== null && ['1', 't', 'true'].includes(value.toLowerCase());
}

function integer(value: string | null, field: string): number | undefined {
  if (value === null) return undefined;
  if (!/^\d+$/.test(value)) throw StatusError.badRequest(`${field}: invalid value "${value}"`);
  return Number(value);
}

function parseTime(value: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw StatusError.badRequest(`sinceTime: invalid value "${value}"`);
  return ms;
}
