import { isRecord, sameJson } from '../api/kube-object';
import { StatusError } from '../api/status-error';

// RFC 6902 JSON patch (`application/json-patch+json`). A patch that does not apply is a 422, as in
// the apiserver, with the failing operation in the message.

interface Operation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

export function applyJsonPatch(document: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw StatusError.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let doc = structuredClone(document);
  for (const raw of operations as Operation[]) {
    if (!isRecord(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw failed('invalid operation');
    }
    switch (raw.op) {
      case 'add':
        doc = put(doc, raw.path, structuredClone(raw.value), 'insert');
        break;
      case 'replace':
        get(doc, raw.path);
        doc = put(doc, raw.path, structuredClone(raw.value), 'replace');
        break;
      case 'remove':
        doc = remove(doc, raw.path);
        break;
      case 'move': {
        const value = get(doc, requireFrom(raw));
        doc = put(remove(doc, raw.from!), raw.path, value, 'insert');
        break;
      }
      case 'copy':
        doc = put(doc, raw.path, structuredClone(get(doc, requireFrom(raw))), 'insert');
        break;
      case 'test':
        if (!sameJson(get(doc, raw.path), raw.value)) {
          throw failed(`testing value ${raw.path} failed: test failed`);
        }
        break;
      default:
        throw failed(`Unexpected kind: ${String((raw as { op: unknown }).op)}`);
    }
  }
  return doc;
}

function requireFrom(op: Operation): string {
  if (typeof op.from !== 'string') throw failed(`missing from for ${op.op}`);
  return op.from;
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw failed(`invalid JSON pointer: "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function get(doc: unknown, pointer: string): unknown {
  let node = doc;
  for (const t of tokens(pointer)) {
    if (Array.isArray(node) && /^\d+$/.test(t) && Number(t) < node.length) node = node[Number(t)];
    else if (isRecord(node) && Object.prototype.hasOwnProperty.call(node, t)) node = node[t];
    else throw failed(`doc is missing path: "${pointer}": missing value`);
  }
  return node;
}

function parentOf(doc: unknown, pointer: string): { parent: unknown; key: string } {
  const path = tokens(pointer);
  const key = path.pop()!;
  const parent = path.length ? get(doc, `/${path.map((t) => t.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`) : doc;
  return { parent, key };
}

function put(doc: unknown, pointer: string, value: unknown, mode: 'insert' | 'replace'): unknown {
  if (pointer === '') return value;
  const { parent, key } = parentOf(doc, pointer);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    const max = mode === 'insert' ? parent.length : parent.length - 1;
    if (!/^(\d+|-)$/.test(key) || index > max) throw failed(`doc is missing path: "${pointer}": missing value`);
    if (mode === 'insert') parent.splice(index, 0, value);
    else parent[index] = value;
  } else if (isRecord(parent)) parent[key] = value;
  else throw failed(`doc is missing path: "${pointer}": missing value`);
  return doc;
}

function remove(doc: unknown, pointer: string): unknown {
  get(doc, pointer);
  const { parent, key } = parentOf(doc, pointer);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete (parent as Record<string, unknown>)[key];
  return doc;
}

function failed(message: string): StatusError {
  return new StatusError(422, 'Invalid', message);
}
