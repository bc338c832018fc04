// What a tunnel stream's :path may be before the agent prefixes it with the API server's base
// path. The proxy already refuses path escapes; this is the agent's own line, so that no stream
// can reach outside the API server's paths whatever the proxy sends.

const DOT_SEGMENTS = new Set(['.', '..']);

function decodedSegments(pathname: string): string[] | undefined {
  const segments: string[] = [];
  for (const raw of pathname.split('/')) {
    try {
      // An encoded slash could hide a dot segment inside one raw segment: split the decoded form too.
      segments.push(...decodeURIComponent(raw).split('/'));
    } catch {
      return undefined;
    }
  }
  return segments;
}

/** Why `path` may not be forwarded, or undefined when it may. */
export function pathProblem(path: string | undefined): string | undefined {
  if (!path) return 'the request has no path';
  if (!path.startsWith('/') || path.startsWith('//')) return 'the path must start with a single "/"';
  // eslint-disable-next-line no-control-regex -- control characters and spaces have no place in a request target
  if (/[\u0000-\u0020\u007f]/.test(path)) return 'the path contains spaces or control characters';
  const pathname = path.split('?', 1)[0];
  if (pathname.includes('\\')) return 'the path contains a backslash';
  if (pathname.includes('://')) return 'the path contains a URL scheme';
  if (pathname.includes('#')) return 'the path contains a fragment';
  const segments = decodedSegments(pathname);
  if (!segments) return 'the path has malformed percent-encoding';
  if (segments.some((segment) => DOT_SEGMENTS.has(segment))) return 'the path contains "." or ".." segments';
  if (segments.some((segment) => segment.includes('\\'))) return 'the path contains an encoded backslash';
  return undefined;
}

/** The path without its query. */
export function pathnameOf(path: string): string {
  return path.split('?', 1)[0];
}
