import { StatusError } from '../api/status-error';

// kubectl's typed clients send some bodies as Kubernetes protobuf (`auth whoami`, `auth can-i`,
// `create token`, `create namespace|configmap|secret|serviceaccount|role|rolebinding|...`).
// This decodes those kinds into their JSON form: the `k8s\0` envelope (runtime.Unknown) and, for
// each kind below, the field numbers of its generated.proto. Other kinds answer 415.

type Scalar = 'string' | 'bytes' | 'int32' | 'int64' | 'bool' | 'time';
type FieldType = Scalar | Schema | { map: 'string' | 'bytes' };
interface Field {
  name: string;
  type: FieldType;
  repeated?: boolean;
}
type Schema = { [fieldNumber: number]: Field };

const f = (name: string, type: FieldType, repeated = false): Field => ({ name, type, repeated });
const strings = (name: string) => f(name, 'string', true);

const TIME: Schema = { 1: f('seconds', 'int64'), 2: f('nanos', 'int32') };
const OWNER_REFERENCE: Schema = {
  1: f('kind', 'string'),
  3: f('name', 'string'),
  4: f('uid', 'string'),
  5: f('apiVersion', 'string'),
  6: f('controller', 'bool'),
  7: f('blockOwnerDeletion', 'bool'),
};
const OBJECT_META: Schema = {
  1: f('name', 'string'),
  2: f('generateName', 'string'),
  3: f('namespace', 'string'),
  5: f('uid', 'string'),
  6: f('resourceVersion', 'string'),
  7: f('generation', 'int64'),
  8: f('creationTimestamp', 'time'),
  9: f('deletionTimestamp', 'time'),
  10: f('deletionGracePeriodSeconds', 'int64'),
  11: f('labels', { map: 'string' }),
  12: f('annotations', { map: 'string' }),
  13: f('ownerReferences', OWNER_REFERENCE, true),
  14: strings('finalizers'),
};
const LABEL_SELECTOR: Schema = {
  1: f('matchLabels', { map: 'string' }),
  2: f('matchExpressions', { 1: f('key', 'string'), 2: f('operator', 'string'), 3: strings('values') }, true),
};
const OBJECT_REFERENCE: Schema = {
  1: f('kind', 'string'),
  2: f('namespace', 'string'),
  3: f('name', 'string'),
  4: f('uid', 'string'),
  5: f('apiVersion', 'string'),
  6: f('resourceVersion', 'string'),
  7: f('fieldPath', 'string'),
};
const POLICY_RULE: Schema = {
  1: strings('verbs'),
  2: strings('apiGroups'),
  3: strings('resources'),
  4: strings('resourceNames'),
  5: strings('nonResourceURLs'),
};
const SUBJECT: Schema = { 1: f('kind', 'string'), 2: f('apiGroup', 'string'), 3: f('name', 'string'), 4: f('namespace', 'string') };
const ROLE_REF: Schema = { 1: f('apiGroup', 'string'), 2: f('kind', 'string'), 3: f('name', 'string') };
const BINDING: Schema = { 1: f('metadata', OBJECT_META), 2: f('subjects', SUBJECT, true), 3: f('roleRef', ROLE_REF) };
const RESOURCE_ATTRIBUTES: Schema = {
  1: f('namespace', 'string'),
  2: f('verb', 'string'),
  3: f('group', 'string'),
  4: f('version', 'string'),
  5: f('resource', 'string'),
  6: f('subresource', 'string'),
  7: f('name', 'string'),
};
const NON_RESOURCE_ATTRIBUTES: Schema = { 1: f('path', 'string'), 2: f('verb', 'string') };

const KINDS: Record<string, Schema> = {
  'v1/Namespace': { 1: f('metadata', OBJECT_META), 2: f('spec', { 1: strings('finalizers') }) },
  'v1/ConfigMap': { 1: f('metadata', OBJECT_META), 2: f('data', { map: 'string' }), 3: f('binaryData', { map: 'bytes' }), 4: f('immutable', 'bool') },
  'v1/Secret': {
    1: f('metadata', OBJECT_META),
    2: f('data', { map: 'bytes' }),
    3: f('type', 'string'),
    4: f('stringData', { map: 'string' }),
    5: f('immutable', 'bool'),
  },
  'v1/ServiceAccount': {
    1: f('metadata', OBJECT_META),
    2: f('secrets', OBJECT_REFERENCE, true),
    3: f('imagePullSecrets', { 1: f('name', 'string') }, true),
    4: f('automountServiceAccountToken', 'bool'),
  },
  'rbac.authorization.k8s.io/v1/Role': { 1: f('metadata', OBJECT_META), 2: f('rules', POLICY_RULE, true) },
  'rbac.authorization.k8s.io/v1/ClusterRole': {
    1: f('metadata', OBJECT_META),
    2: f('rules', POLICY_RULE, true),
    3: f('aggregationRule', { 1: f('clusterRoleSelectors', LABEL_SELECTOR, true) }),
  },
  'rbac.authorization.k8s.io/v1/RoleBinding': BINDING,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': BINDING,
  'authentication.k8s.io/v1/TokenRequest': {
    1: f('metadata', OBJECT_META),
    2: f('spec', {
      1: strings('audiences'),
      3: f('boundObjectRef', { 1: f('kind', 'string'), 2: f('apiVersion', 'string'), 3: f('name', 'string'), 4: f('uid', 'string') }),
      4: f('expirationSeconds', 'int64'),
    }),
  },
  'authentication.k8s.io/v1/TokenReview': { 1: f('metadata', OBJECT_META), 2: f('spec', { 1: f('token', 'string'), 2: strings('audiences') }) },
  'authentication.k8s.io/v1/SelfSubjectReview': { 1: f('metadata', OBJECT_META) },
  'authorization.k8s.io/v1/SelfSubjectAccessReview': {
    1: f('metadata', OBJECT_META),
    2: f('spec', { 1: f('resourceAttributes', RESOURCE_ATTRIBUTES), 2: f('nonResourceAttributes', NON_RESOURCE_ATTRIBUTES) }),
  },
  'authorization.k8s.io/v1/SelfSubjectRulesReview': { 1: f('metadata', OBJECT_META), 2: f('spec', { 1: f('namespace', 'string') }) },
  'authorization.k8s.io/v1/SubjectAccessReview': {
    1: f('metadata', OBJECT_META),
    2: f('spec', {
      1: f('resourceAttributes', RESOURCE_ATTRIBUTES),
      2: f('nonResourceAttributes', NON_RESOURCE_ATTRIBUTES),
      3: f('user', 'string'),
      4: strings('groups'),
      6: f('uid', 'string'),
    }),
  },
};
KINDS['authorization.k8s.io/v1/LocalSubjectAccessReview'] = KINDS['authorization.k8s.io/v1/SubjectAccessReview'];

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
const UNKNOWN: Schema = {
  1: f('typeMeta', { 1: f('apiVersion', 'string'), 2: f('kind', 'string') }),
  2: f('raw', 'bytes'),
  3: f('contentEncoding', 'string'),
  4: f('contentType', 'string'),
};

export function decodeProtobufObject(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw StatusError.badRequest('protobuf body does not start with the k8s envelope');
  const envelope = decode(body.subarray(4), UNKNOWN);
  const typeMeta = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const schema = KINDS[`${typeMeta.apiVersion}/${typeMeta.kind}`];
  if (!schema) throw StatusError.unsupportedMediaType(`application/vnd.kubernetes.protobuf (${typeMeta.apiVersion}/${typeMeta.kind})`);
  const raw = Buffer.from((envelope.raw as string | undefined) ?? '', 'base64');
  return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...decode(raw, schema) };
}

/** Bytes fields come out base64-encoded, which is how JSON carries []byte. */
function decode(buf: Buffer, schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const reader = new Reader(buf);
  while (!reader.done) {
    const tag = reader.varint();
    const fieldNumber = Math.floor(tag / 8);
    const wire = tag % 8;
    const field = schema[fieldNumber];
    const value = reader.value(wire);
    if (!field) continue;
    const decoded = convert(value, field.type);
    // gogo-protobuf writes zero values that JSON would omit (omitempty); drop them.
    if (decoded === undefined) continue;
    if (typeof field.type === 'object' && 'map' in field.type) {
      const [key, entryValue] = decoded as [string, unknown];
      out[field.name] = { ...((out[field.name] as object) ?? {}), [key]: entryValue };
    } else if (field.repeated) ((out[field.name] ??= []) as unknown[]).push(decoded);
    else out[field.name] = decoded;
  }
  return out;
}

function convert(value: number | Buffer, type: FieldType): unknown {
  if (typeof type === 'object' && 'map' in type) {
    const entry = decode(value as Buffer, { 1: f('key', 'string'), 2: f('value', type.map) });
    return [entry.key ?? '', entry.value ?? ''];
  }
  if (typeof type === 'object') return decode(value as Buffer, type);
  switch (type) {
    case 'string':
      return (value as Buffer).length ? (value as Buffer).toString('utf8') : undefined;
    case 'bytes':
      return (value as Buffer).toString('base64');
    case 'int32':
    case 'int64':
      return value || undefined;
    case 'bool':
      return value !== 0 || undefined;
    case 'time': {
      // The zero time (year 1) arrives as a negative varint; anything not after 1970 is "unset".
      const seconds = (decode(value as Buffer, TIME) as { seconds?: number }).seconds ?? 0;
      return seconds > 0 && seconds < 1e11 ? new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
    }
  }
}

class Reader {
  private offset = 0;

  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.offset >= this.buf.length;
  }

  varint(): number {
    let result = 0;
    let factor = 1;
    for (;;) {
      if (this.offset >= this.buf.length) throw StatusError.badRequest('truncated protobuf body');
      const byte = this.buf[this.offset++];
      result += (byte & 0x7f) * factor;
      if (byte < 0x80) return result;
      factor *= 128;
    }
  }

  value(wire: number): number | Buffer {
    switch (wire) {
      case 0:
        return this.varint();
      case 1:
        return this.skip(8);
      case 2:
        return this.skip(this.varint());
      case 5:
        return this.skip(4);
      default:
        throw StatusError.badRequest(`unsupported protobuf wire type ${wire}`);
    }
  }

  private skip(length: number): Buffer {
    const slice = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }
}
