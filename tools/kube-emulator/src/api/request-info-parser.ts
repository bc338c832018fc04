// Derives the authorization attributes of a request from its method, path and query, following
// the rules of k8s.io/apiserver's RequestInfoFactory: RBAC must see the same verb, namespace,
// resource, subresource and name that a real API server would hand to its authorizer.

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string;
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path segments from the resource on (resource, name, subresource, ...). */
  parts: string[];
}

const API_PREFIXES = new Set(['api', 'apis']);
const GROUPLESS_PREFIXES = new Set(['api']);
const SPECIAL_VERBS = new Set(['proxy', 'watch']);
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
const VERB_BY_METHOD: Record<string, string> = {
  POST: 'create',
  GET: 'get',
  HEAD: 'get',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

export class RequestInfoParser {
  parse(method: string, path: string, query: URLSearchParams): RequestInfo {
    const info: RequestInfo = {
      isResourceRequest: false,
      path,
      verb: method.toLowerCase(),
      apiPrefix: '',
      apiGroup: '',
      apiVersion: '',
      namespace: '',
      resource: '',
      subresource: '',
      name: '',
      parts: [],
    };
    let parts = splitPath(path);
    if (parts.length < 3 || !API_PREFIXES.has(parts[0])) return info;
    const apiPrefix = parts[0];
    parts = parts.slice(1);
    let apiGroup = '';
    if (!GROUPLESS_PREFIXES.has(apiPrefix)) {
      if (parts.length < 3) return info;
      apiGroup = parts[0];
      parts = parts.slice(1);
    }
    Object.assign(info, { isResourceRequest: true, apiPrefix, apiGroup, apiVersion: parts[0] });
    parts = parts.slice(1);

    if (SPECIAL_VERBS.has(parts[0])) {
      if (parts.length < 2) throw new Error(`unable to determine kind and namespace from url ${path}`);
      info.verb = parts[0];
      parts = parts.slice(1);
    } else {
      info.verb = VERB_BY_METHOD[method.toUpperCase()] ?? '';
    }

    if (parts[0] === 'namespaces') {
      if (parts.length > 1) {
        info.namespace = parts[1];
        // /namespaces/{ns}/{resource}/... addresses a namespaced resource; /namespaces/{ns}/status
        // is the namespace's own subresource.
        if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
      }
    }
    info.parts = parts;
    if (parts.length >= 3 && info.verb !== 'proxy') info.subresource = parts[2];
    if (parts.length >= 2) info.name = parts[1];
    if (parts.length >= 1) info.resource = parts[0];

    if (!info.name && info.verb === 'get') {
      info.verb = isWatchRequested(query) ? 'watch' : 'list';
      const byName = exactNameFromFieldSelector(query.get('fieldSelector') ?? '');
      if (byName && isValidPathSegmentName(byName)) info.name = byName;
    }
    if (!info.name && info.verb === 'delete') info.verb = 'deletecollection';
    return info;
  }
}

/** Segments are percent-decoded, as the apiserver routes on the decoded path (names may hold `:`). */
function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed ? trimmed.split('/').map(decodeSegment) : [];
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // A malformed escape names nothing that exists; the lookup then answers NotFound.
    return segment;
  }
}

/** `watch` is true unless it parses as false; unparsable values count as true, as in the apiserver. */
export function isWatchRequested(query: URLSearchParams): boolean {
  const value = query.get('watch');
  if (value === null) return false;
  return !['0', 'f', 'false'].includes(value.toLowerCase());
}

function exactNameFromFieldSelector(selector: string): string | undefined {
  for (const term of selector.split(',')) {
    const match = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    if (match && !term.includes('!=')) return match[1];
  }
  return undefined;
}

function isValidPathSegmentName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%');
}
