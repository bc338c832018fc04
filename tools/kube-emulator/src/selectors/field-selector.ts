import type { KubeObject } from '../api/kube-object';
import { StatusError } from '../api/status-error';

// Field selectors support only the fields each resource's registry strategy exposes
// (GetAttrs/ToSelectableFields in Kubernetes); anything else is a 400, as on a real server.

type FieldSet = (obj: KubeObject) => Record<string, string>;

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const at = (obj: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
const fields =
  (...paths: string[]): FieldSet =>
  (obj) =>
    Object.fromEntries(paths.map((p) => [p, str(at(obj, p))]));

const EXTRA_FIELDS: Record<string, FieldSet> = {
  '/pods': (obj) => ({
    ...fields(
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'status.phase',
      'status.podIP',
      'status.nominatedNodeName',
    )(obj),
    'spec.hostNetwork': str(at(obj, 'spec.hostNetwork') ?? false),
  }),
  '/secrets': fields('type'),
  '/namespaces': fields('status.phase'),
  '/events': (obj) => ({
    ...fields(
      'involvedObject.kind',
      'involvedObject.namespace',
      'involvedObject.name',
      'involvedObject.uid',
      'involvedObject.apiVersion',
      'involvedObject.resourceVersion',
      'involvedObject.fieldPath',
      'reason',
      'reportingComponent',
      'type',
    )(obj),
    source: str(at(obj, 'source.component') || at(obj, 'reportingComponent')),
  }),
};

interface Term {
  field: string;
  value: string;
  negated: boolean;
}

export class FieldSelector {
  private constructor(
    private readonly terms: Term[],
    private readonly fieldSet: FieldSet,
  ) {}

  static parse(selector: string | null | undefined, storageKey: string, namespaced: boolean): FieldSelector {
    const base: FieldSet = (obj) => ({
      'metadata.name': str(obj.metadata.name),
      ...(namespaced ? { 'metadata.namespace': str(obj.metadata.namespace) } : {}),
    });
    const extra = EXTRA_FIELDS[storageKey];
    const fieldSet: FieldSet = extra ? (obj) => ({ ...base(obj), ...extra(obj) }) : base;
    const text = (selector ?? '').trim();
    if (!text) return new FieldSelector([], fieldSet);
    const terms = splitUnescaped(text, ',').map(parseTerm);
    const known = new Set(Object.keys(fieldSet({ metadata: {} })));
    const unknown = terms.find((t) => !known.has(t.field));
    if (unknown) throw StatusError.badRequest(`field label not supported: ${unknown.field}`);
    return new FieldSelector(terms, fieldSet);
  }

  get isEmpty(): boolean {
    return this.terms.length === 0;
  }

  /** The exact value the selector requires for a field (`field=value`), if any. */
  requiresExactMatch(field: string): string | undefined {
    return this.terms.find((t) => t.field === field && !t.negated)?.value;
  }

  matches(obj: KubeObject): boolean {
    if (this.terms.length === 0) return true;
    const values = this.fieldSet(obj);
    return this.terms.every((t) => (values[t.field] === t.value) !== t.negated);
  }
}

function parseTerm(term: string): Term {
  const m = /^(.*?)(!=|==|=)(.*)$/s.exec(term);
  if (!m || !m[1].trim()) throw StatusError.badRequest(`invalid selector: '${term}'; can't understand '${term}'`);
  return { field: m[1].trim(), negated: m[2] === '!=', value: unescape(m[3].trim()) };
}

function splitUnescaped(text: string, separator: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && i + 1 < text.length) {
      current += text[i] + text[i + 1];
      i++;
    } else if (text[i] === separator) {
      out.push(current);
      current = '';
    } else current += text[i];
  }
  out.push(current);
  return out;
}

function unescape(value: string): string {
  return value.replace(/\\(.)/g, '$1');
}
