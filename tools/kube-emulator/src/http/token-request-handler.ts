import { isRecord } from '../api/kube-object';
import { FieldError, StatusError } from '../api/status-error';
import type { ServiceAccountTokenIssuer } from '../auth/service-account-token-issuer';
import { rfc3339, type Clock } from '../clock';
import type { ObjectStore } from '../store/object-store';
import { readObjectBody } from './request-body';
import type { RequestContext } from './request-context';

// POST .../serviceaccounts/<name>/token (TokenRequest): a short-lived JWT bound to the
// ServiceAccount's UID (and optionally to a Pod or Secret), validated like the apiserver does.

const MIN_EXPIRATION_SECONDS = 600;
const DEFAULT_EXPIRATION_SECONDS = 3600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

interface TokenRequestSpec {
  audiences?: string[] | null;
  expirationSeconds?: number | null;
  boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string } | null;
}

export class TokenRequestHandler {
  constructor(
    private readonly store: ObjectStore,
    private readonly issuer: ServiceAccountTokenIssuer,
    private readonly clock: Clock,
  ) {}

  async handle(ctx: RequestContext): Promise<void> {
    if (ctx.info.verb !== 'create') throw StatusError.methodNotAllowed();
    const { namespace, name } = ctx.info;
    const body = await readObjectBody(ctx);
    if (!isRecord(body)) throw StatusError.badRequest('the body of the request was not a JSON object');
    const sa = this.store.get('/serviceaccounts', namespace, name);
    if (!sa) throw StatusError.notFound({ group: '', resource: 'serviceaccounts' }, name);
    const spec = (isRecord(body.spec) ? body.spec : {}) as TokenRequestSpec;
    const expirationSeconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
    const invalid = (detail: string) =>
      StatusError.invalid('TokenRequest', 'authentication.k8s.io', name, [FieldError.invalid('spec.expirationSeconds', expirationSeconds, detail)]);
    if (expirationSeconds < MIN_EXPIRATION_SECONDS) throw invalid('may not specify a duration less than 10 minutes');
    if (expirationSeconds > MAX_EXPIRATION_SECONDS) throw invalid('may not specify a duration larger than 2^32 seconds');
    const audiences = spec.audiences?.length ? spec.audiences : [this.issuer.issuer];

    let boundObject: { kind: 'Pod' | 'Secret'; name: string; uid: string } | undefined;
    const ref = spec.boundObjectRef;
    if (ref) {
      if (ref.kind !== 'Pod' && ref.kind !== 'Secret') {
        throw StatusError.badRequest(`cannot bind token for object of kind ${String(ref.kind)}`);
      }
      const resource = ref.kind === 'Pod' ? 'pods' : 'secrets';
      const target = this.store.get(`/${resource}`, namespace, ref.name ?? '');
      if (!target) throw StatusError.notFound({ group: '', resource }, ref.name ?? '');
      if (ref.uid && ref.uid !== target.object.metadata.uid) {
        throw StatusError.conflict({ group: '', resource }, ref.name ?? '', `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
      }
      boundObject = { kind: ref.kind, name: ref.name ?? '', uid: target.object.metadata.uid! };
    }

    const { token, expiresAt } = await this.issuer.issue({
      namespace,
      name,
      uid: sa.object.metadata.uid!,
      audiences,
      expirationSeconds,
      boundObject,
    });
    ctx.sendJson(201, {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: rfc3339(this.clock.date()) },
      spec: { audiences, expirationSeconds, boundObjectRef: ref ?? null },
      status: { token, expirationTimestamp: rfc3339(expiresAt) },
    });
  }
}
