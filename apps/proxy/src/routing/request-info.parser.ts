/**
 * The request attributes kube-apiserver derives for authorization and audit, computed the way
 * k8s.io/apiserver's RequestInfoFactory does, so the audit trail says what the cluster saw.
 */
export interface RequestInfo {
  isResourceRequest: boolean;
  /** Decoded path, relative to the cluster. */
  path: string;
  verb: string;
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
}

const API_PREFIXES = new Set(['api', 'apis']);
const GROUPLESS_API_PREFIXES = new Set(['api']);
const SPECIAL_VERBS = new Set(['proxy', 'watch']);
const SPECIAL_VERBS_WITHOUT_SUBRESOURCES = new Set(['proxy']);
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
const VERB_BY_METHOD: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** Go's strconv.ParseBool. */
function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Go's url.Values: `+` is a space, undecodable pairs are dropped. */
function parseQuery(query: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const pair of query.replace(/^\?/, '').split(/&/)) {
    if (!pair) continue;
    const equals = pair.indexOf('=');
    const rawKey = equals === -1 ? pair : pair.slice(0, equals);
    const rawValue = equals === -1 ? '' : pair.slice(equals + 1);
    try {
      const key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
      const value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
      values.set(key, [...(values.get(key) ?? []), value]);
    } catch {
      // Go skips a pair it cannot unescape.
    }
  }
  return values;
}

/** `metadata.name=x` / `metadata.name==x` among the field selector's terms, as fields.Selector.RequiresExactMatch. */
function exactNameFromFieldSelector(selector: string): string | undefined {
  for (const term of selector.split(',')) {
    if (term.includes('!=')) continue;
    const match = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(term);
    if (match) return match[1];
  }
  return undefined;
}

/** apimachinery's path.IsValidPathSegmentName. */
function isValidPathSegmentName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%');
}

export class RequestInfoParser {
  /** `path` as forwarded (percent-encoded), `query` with or without its leading `?`. */
  parse(method: string, rawPath: string, query: string): RequestInfo {
    const parts = rawPath.split('/').filter((part) => part !== '').map(decodeSegment);
    const path = `/${parts.join('/')}${rawPath.length > 1 && rawPath.endsWith('/') ? '/' : ''}`;
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
    };
    let current = parts;
    if (current.length < 3 || !API_PREFIXES.has(current[0])) return info;
    const apiPrefix = current[0];
    current = current.slice(1);
    let apiGroup = '';
    if (!GROUPLESS_API_PREFIXES.has(apiPrefix)) {
      // The prefix is consumed already: this asks for four parts in all.
      if (current.length < 3) return info;
      apiGroup = current[0];
      current = current.slice(1);
    }
    const apiVersion = current[0];
    current = current.slice(1);

    let verb: string;
    if (SPECIAL_VERBS.has(current[0])) {
      // kube-apiserver answers such a path with an error; for the audit it stays a non-resource request.
      if (current.length < 2) return info;
      verb = current[0];
      current = current.slice(1);
    } else {
      verb = VERB_BY_METHOD[method.toUpperCase()] ?? '';
    }
    Object.assign(info, { isResourceRequest: true, apiPrefix, apiGroup, apiVersion, verb });

    if (current[0] === 'namespaces' && current.length > 1) {
      info.namespace = current[1];
      // /namespaces/{ns}/{resource}/…, unless the third part is the namespace's own subresource.
      if (current.length > 2 && !NAMESPACE_SUBRESOURCES.has(current[2])) current = current.slice(2);
    }
    if (current.length >= 3 && !SPECIAL_VERBS_WITHOUT_SUBRESOURCES.has(info.verb)) info.subresource = current[2];
    if (current.length >= 2) info.name = current[1];
    if (current.length >= 1) info.resource = current[0];

    if (!info.name && info.verb === 'get') {
      const values = parseQuery(query);
      const watch = values.get('watch')?.[0];
      const parsedWatch = watch === undefined ? false : parseGoBool(watch);
      // An unparsable value makes the API server's parameter decoding fail; it then reads only
      // `watch` itself (anything but false/0 is true) and ignores the field selector.
      const decodingFailed = parsedWatch === undefined;
      const isWatch = decodingFailed ? !['false', '0'].includes((watch ?? '').toLowerCase()) : parsedWatch;
      info.verb = isWatch ? 'watch' : 'list';
      const fieldSelector = values.get('fieldSelector')?.[0];
      if (!decodingFailed && fieldSelector !== undefined) {
        const name = exactNameFromFieldSelector(fieldSelector);
        if (name !== undefined && isValidPathSegmentName(name)) info.name = name;
      }
    }
    if (!info.name && info.verb === 'delete') info.verb = 'deletecollection';
    return info;
  }
}
