import { createHash } from 'node:crypto';
import { apiVersionOf, type ResourceRegistry, type ResourceType } from '../api/resource-registry';

// Just enough OpenAPI for kubectl: /openapi/v3 documents whose operations carry the
// `x-kubernetes-group-version-kind` and `fieldValidation` facts kubectl checks before
// `apply`/`create` (so it leaves validation to the server), and per-kind schemas naming the
// top-level fields for `kubectl explain`. /openapi/v2 is an empty document: no client-side schema.
// Strategic-merge-patch is deliberately not advertised on the patch operations, so `kubectl apply`
// computes its patches from its built-in types (merge keys included) rather than from this schema.

const PROTO_PACKAGE: Record<string, string> = {
  '': 'core',
  apps: 'apps',
  'rbac.authorization.k8s.io': 'rbac',
  'authorization.k8s.io': 'authorization',
  'authentication.k8s.io': 'authentication',
};

const TOP_LEVEL_FIELDS: Record<string, string[]> = {
  ConfigMap: ['binaryData', 'data', 'immutable'],
  Secret: ['data', 'immutable', 'stringData', 'type'],
  ServiceAccount: ['automountServiceAccountToken', 'imagePullSecrets', 'secrets'],
  Role: ['rules'],
  ClusterRole: ['aggregationRule', 'rules'],
  RoleBinding: ['roleRef', 'subjects'],
  ClusterRoleBinding: ['roleRef', 'subjects'],
  Event: ['action', 'count', 'eventTime', 'firstTimestamp', 'involvedObject', 'lastTimestamp', 'message', 'reason', 'related', 'reportingComponent', 'reportingInstance', 'series', 'source', 'type'],
};

const WRITE_PARAMETERS = ['dryRun', 'fieldManager', 'fieldValidation'].map((name) => ({
  name,
  in: 'query',
  description: `${name} (see the Kubernetes API reference)`,
  schema: { type: 'string', uniqueItems: true },
}));

export class OpenApiDocuments {
  private readonly documents = new Map<string, { body: string; hash: string }>();

  constructor(registry: ResourceRegistry) {
    for (const gv of registry.groupVersions()) {
      const body = JSON.stringify(document(gv.resources));
      const path = gv.group ? `apis/${gv.group}/${gv.version}` : `api/${gv.version}`;
      this.documents.set(path, { body, hash: createHash('sha512').update(body).digest('hex').slice(0, 128).toUpperCase() });
    }
  }

  index(): object {
    return {
      paths: Object.fromEntries([...this.documents].map(([path, d]) => [path, { serverRelativeURL: `/openapi/v3/${path}?hash=${d.hash}` }])),
    };
  }

  /** The JSON document for `api/v1` or `apis/<group>/<version>`. */
  groupVersion(path: string): string | undefined {
    return this.documents.get(path)?.body;
  }
}

function document(types: ResourceType[]): object {
  const paths: Record<string, object> = {};
  const schemas: Record<string, object> = {};
  for (const t of types) {
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const schemaName = `io.k8s.api.${PROTO_PACKAGE[t.group]}.${t.version}.${t.kind}`;
    const ref = { $ref: `#/components/schemas/${schemaName}` };
    const op = (action: string, extra: object = {}) => ({
      operationId: `${action}${t.kind}`,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
      ...extra,
    });
    const prefix = `/${t.group ? `apis/${t.group}` : 'api'}/${t.version}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.resource}`;
    const write = { parameters: WRITE_PARAMETERS, requestBody: { content: { 'application/json': { schema: ref } } } };
    if (!t.stored) {
      paths[prefix] = { post: op('post', write) };
    } else {
      paths[prefix] = { get: op('list'), post: op('post', write), ...(t.verbs.includes('deletecollection') ? { delete: op('deletecollection') } : {}) };
      paths[`${prefix}/{name}`] = {
        get: op('get'),
        put: op('put', write),
        delete: op('delete'),
        patch: op('patch', {
          parameters: [...WRITE_PARAMETERS, { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } }],
          requestBody: {
            content: Object.fromEntries(['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'].map((c) => [c, { schema: { type: 'object' } }])),
          },
        }),
      };
    }
    const fields = TOP_LEVEL_FIELDS[t.kind] ?? ['spec', 'status'];
    schemas[schemaName] = {
      description: `${t.kind} (${apiVersionOf(t)}). The Kubernetes emulator publishes top-level fields only; see the Kubernetes API reference for the full schema.`,
      type: 'object',
      properties: {
        apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
        kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
        metadata: { type: 'object', description: "Standard object's metadata." },
        ...Object.fromEntries(fields.map((f) => [f, { type: 'object', description: `${f} of the ${t.kind}.` }])),
      },
      'x-kubernetes-group-version-kind': [gvk],
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.4' }, paths, components: { schemas } };
}
