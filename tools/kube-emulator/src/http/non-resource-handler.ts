import { StatusError } from '../api/status-error';
import { negotiate } from './content-negotiation';
import type { DiscoveryDocuments } from './discovery-documents';
import type { OpenApiDocuments } from './openapi-documents';
import type { RequestContext } from './request-context';

// Everything that is not a resource: version, health, discovery, OpenAPI and the root path list.

export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac10a2c335',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:02:27Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const HEALTH_PATHS = new Set(['/healthz', '/livez', '/readyz']);

export class NonResourceHandler {
  constructor(
    private readonly discovery: DiscoveryDocuments,
    private readonly openapi: OpenApiDocuments,
    private readonly serverAddress: () => string,
  ) {}

  handle(ctx: RequestContext): void {
    const path = ctx.url.pathname.replace(/\/+$/, '') || '/';
    if (ctx.info.verb !== 'get' && ctx.info.verb !== 'head') throw StatusError.methodNotAllowed();
    if (path === '/version') return ctx.sendJson(200, VERSION_INFO);
    if (HEALTH_PATHS.has(path) || [...HEALTH_PATHS].some((p) => path.startsWith(`${p}/`))) return ctx.send(200, 'ok', 'text/plain; charset=utf-8');
    if (path === '/') return ctx.sendJson(200, { paths: this.paths() });
    if (path === '/openapi/v2') return this.openapiV2(ctx);
    if (path === '/openapi/v3') return ctx.sendJson(200, this.openapi.index());
    if (path.startsWith('/openapi/v3/')) {
      const body = this.openapi.groupVersion(path.slice('/openapi/v3/'.length));
      if (!body) throw StatusError.pathNotFound();
      return ctx.send(200, body);
    }
    if (path === '/api' || path === '/apis') {
      const form = negotiate(ctx.header('accept'), { objects: false, discovery: true });
      if (form.kind === 'aggregated-discovery') {
        const contentType = `application/json;g=apidiscovery.k8s.io;v=${form.version};as=APIGroupDiscoveryList`;
        return ctx.send(200, JSON.stringify(this.discovery.aggregated(path === '/api', form.version)), contentType);
      }
      return ctx.sendJson(200, path === '/api' ? this.discovery.apiVersions(this.serverAddress()) : this.discovery.apiGroupList());
    }
    const parts = path.split('/').slice(1);
    let document: object | undefined;
    if (parts[0] === 'api' && parts.length === 2) document = this.discovery.resourceList('', parts[1]);
    if (parts[0] === 'apis' && parts.length === 2) document = this.discovery.apiGroup(parts[1]);
    if (parts[0] === 'apis' && parts.length === 3) document = this.discovery.resourceList(parts[1], parts[2]);
    if (!document) throw StatusError.pathNotFound();
    ctx.sendJson(200, document);
  }

  /** kubectl asks for the protobuf form; an empty message is an empty (valid) document. */
  private openapiV2(ctx: RequestContext): void {
    const accept = ctx.header('accept') ?? '';
    if (accept.includes('protobuf')) return ctx.send(200, '', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    ctx.sendJson(200, { swagger: '2.0', info: { title: 'Kubernetes', version: VERSION_INFO.gitVersion }, paths: {}, definitions: {} });
  }

  private paths(): string[] {
    const groups = (this.discovery.apiGroupList() as { groups: Array<{ name: string; versions: Array<{ groupVersion: string }> }> }).groups;
    return [
      '/api',
      '/api/v1',
      '/apis',
      ...groups.flatMap((g) => [`/apis/${g.name}`, ...g.versions.map((v) => `/apis/${v.groupVersion}`)]),
      '/healthz',
      '/livez',
      '/openapi/v2',
      '/openapi/v3',
      '/readyz',
      '/version',
    ];
  }
}
