import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { workspaceRoot } from '@portcullis/platform/testing';
import { DeclaredFields, type FieldProblem } from './declared-fields';

export type SchemaProblem = FieldProblem;

interface AjvError {
  instancePath: string;
  keyword: string;
  params: { missingProperty?: string; type?: string; allowedValues?: unknown[]; format?: string };
  message: string;
}

interface ServedType {
  group: string;
  version: string;
  kind: string;
}

const worker = path.join(__dirname, 'schema-worker.mjs');

/**
 * Validates objects against the Kubernetes OpenAPI schemas of kubernetes-models (one current
 * release) as strictly as kube-apiserver with strict field validation: the apiVersion and kind
 * must be served, every field declared, of its type and format, and required fields present.
 */
export class ManifestSchema {
  private readonly fields = new DeclaredFields();

  /** The problems of each object, in the objects' order; an empty list for a valid one. */
  validate(objects: unknown[]): SchemaProblem[][] {
    const results = objects.map((): SchemaProblem[] => []);
    const requests: Array<ServedType & { index: number; object: unknown }> = [];
    objects.forEach((object, index) => {
      const type = this.servedType(object);
      if ('message' in type) results[index].push(type);
      else requests.push({ ...type, index, object });
    });
    if (requests.length === 0) return results;

    const compiled = this.runCompiledValidators(requests);
    requests.forEach(({ index, object, group, version, kind }, n) => {
      const strict = this.fields.check(group, version, kind, object);
      // A field both checks reject (a malformed quantity) is reported once, by the clearer one.
      const fromSchema = problemsFromAjv(compiled[n], object).filter((problem) => !strict.some((own) => own.path === problem.path));
      results[index].push(...fromSchema, ...strict);
    });
    return results;
  }

  private servedType(object: unknown): ServedType | SchemaProblem {
    const { apiVersion, kind } = (typeof object === 'object' && object !== null ? object : {}) as { apiVersion?: unknown; kind?: unknown };
    if (typeof apiVersion !== 'string' || apiVersion === '') return { path: 'apiVersion', message: 'required field missing' };
    if (typeof kind !== 'string' || kind === '') return { path: 'kind', message: 'required field missing' };
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
    // kubernetes-models keeps the definitions of removed API versions (policy/v1beta1,
    // autoscaling/v2beta2, …) beside the current ones. A current release serves built-in groups
    // at stable versions only: every beta enabled by default before 1.24 has since been removed,
    // and betas added later are off unless the cluster's operator turns them on.
    if (!/^v\d+$/.test(version)) {
      return { path: 'apiVersion', message: `${apiVersion} ${kind} is not served by a current Kubernetes release (built-in APIs are served at stable versions only)` };
    }
    if (!this.fields.declarationFile(group, version, kind)) return { path: 'kind', message: `${apiVersion} ${kind} is not a kind Kubernetes serves` };
    return { group, version, kind };
  }

  private runCompiledValidators(requests: Array<ServedType & { object: unknown }>): AjvError[][] {
    const input = JSON.stringify(requests.map(({ group, version, kind, object }) => ({ group, version, kind, object })));
    const run = spawnSync(process.execPath, [worker], { input, encoding: 'utf8', cwd: workspaceRoot, maxBuffer: 64 * 1024 * 1024 });
    if (run.status !== 0) throw new Error(`the schema worker failed: ${run.stderr || run.error?.message}`);
    return JSON.parse(run.stdout) as AjvError[][];
  }
}

/** ajv's errors as field paths and messages, one per field. */
function problemsFromAjv(errors: AjvError[], object: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  // int-or-string and quantities are a oneOf: report which types were allowed, not each branch.
  const oneOfPaths = new Set(errors.filter((error) => error.keyword === 'oneOf').map((error) => error.instancePath));
  for (const error of errors) {
    const at = fieldPath(error.instancePath, object);
    if (error.keyword === 'required') {
      problems.push({ path: at ? `${at}.${error.params.missingProperty}` : String(error.params.missingProperty), message: 'required field missing' });
    } else if (error.keyword === 'oneOf') {
      const types = errors.filter((branch) => branch.instancePath === error.instancePath && branch.keyword === 'type').map((branch) => branch.params.type);
      problems.push({ path: at, message: types.length ? `must be ${types.join(' or ')}` : error.message });
    } else if (error.keyword === 'format' && error.params.format === 'byte' && isWrappedBase64(valueAt(error.instancePath, object))) {
      // kustomize's secretGenerator wraps base64 at 76 characters; Go's decoder, and so the API
      // server, skips the line breaks that kubernetes-models' pattern does not.
      continue;
    } else if (!oneOfPaths.has(error.instancePath)) {
      const allowed = error.keyword === 'enum' ? `: ${error.params.allowedValues?.join(', ')}` : '';
      problems.push({ path: at, message: `${error.message}${allowed}` });
    }
  }
  return problems;
}

function isWrappedBase64(value: unknown): boolean {
  return typeof value === 'string' && /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value.replace(/[\r\n]/g, ''));
}

function valueAt(pointer: string, object: unknown): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((value, raw) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[raw.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), object);
}

/** /spec/ports/0/name as spec.ports[0].name, telling array indices from map keys by the object. */
function fieldPath(pointer: string, object: unknown): string {
  let at = '';
  let value = object;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      at += `[${segment}]`;
      value = value[Number(segment)];
    } else {
      at += at ? `.${segment}` : segment;
      value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[segment] : undefined;
    }
  }
  return at;
}
