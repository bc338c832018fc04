import { isRecord, type UserInfo } from '../api/kube-object';
import type { ResourceType } from '../api/resource-registry';
import { FieldError, StatusError } from '../api/status-error';
import type { Authenticator } from '../auth/authenticator';
import { rfc3339, type Clock } from '../clock';
import type { RbacAuthorizer } from '../rbac/rbac-authorizer';
import { readObjectBody } from './request-body';
import type { RequestContext } from './request-context';

// The create-only review APIs, answered from the same authenticator and authorizer that guard
// every request: SelfSubjectAccessReview, LocalSubjectAccessReview, SubjectAccessReview,
// SelfSubjectRulesReview (authorization.k8s.io), TokenReview and SelfSubjectReview
// (authentication.k8s.io).

interface ResourceAttributes {
  namespace?: string;
  verb?: string;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

interface NonResourceAttributes {
  path?: string;
  verb?: string;
}

interface AccessReviewSpec {
  resourceAttributes?: ResourceAttributes;
  nonResourceAttributes?: NonResourceAttributes;
  user?: string;
  groups?: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export class ReviewHandler {
  constructor(
    private readonly authorizer: RbacAuthorizer,
    private readonly authenticator: Authenticator,
    private readonly clock: Clock,
  ) {}

  async handle(ctx: RequestContext, type: ResourceType): Promise<void> {
    if (ctx.info.verb !== 'create' || ctx.info.subresource) throw StatusError.methodNotAllowed();
    const body = await readObjectBody(ctx);
    if (!isRecord(body)) throw StatusError.badRequest('the body of the request was not a JSON object');
    const user = ctx.user!;
    const spec = (isRecord(body.spec) ? body.spec : {}) as Record<string, unknown>;
    let status: object;
    switch (type.resource) {
      case 'selfsubjectaccessreviews':
        status = this.accessReview(type, spec as AccessReviewSpec, user);
        break;
      case 'subjectaccessreviews':
        status = this.accessReview(type, spec as AccessReviewSpec, subjectOf(type, spec as AccessReviewSpec));
        break;
      case 'localsubjectaccessreviews': {
        const review = spec as AccessReviewSpec;
        const namespace = ctx.info.namespace;
        if (review.nonResourceAttributes || review.resourceAttributes?.namespace !== namespace) {
          throw StatusError.invalid(type.kind, type.group, '', [
            FieldError.invalid('spec.resourceAttributes.namespace', review.resourceAttributes?.namespace ?? '', 'must match metadata.namespace'),
          ]);
        }
        status = this.accessReview(type, review, subjectOf(type, review));
        break;
      }
      case 'selfsubjectrulesreviews':
        status = this.rulesReview(user, typeof spec.namespace === 'string' ? spec.namespace : '');
        break;
      case 'tokenreviews':
        status = await this.tokenReview(spec);
        break;
      case 'selfsubjectreviews':
        status = { userInfo: userInfoOf(user) };
        break;
      default:
        throw StatusError.pathNotFound();
    }
    const metadata = isRecord(body.metadata) ? { ...body.metadata } : {};
    ctx.sendJson(201, {
      kind: type.kind,
      apiVersion: `${type.group}/${type.version}`,
      metadata: { ...metadata, creationTimestamp: type.resource === 'selfsubjectreviews' ? rfc3339(this.clock.date()) : null },
      ...(type.resource === 'selfsubjectreviews' ? {} : { spec }),
      status,
    });
  }

  private accessReview(type: ResourceType, spec: AccessReviewSpec, user: UserInfo): object {
    const r = spec.resourceAttributes;
    const n = spec.nonResourceAttributes;
    if (!r === !n) {
      throw StatusError.invalid(type.kind, type.group, '', [
        FieldError.invalid('spec.resourceAttributes', r ? JSON.stringify(r) : 'null', 'exactly one of nonResourceAttributes or resourceAttributes must be specified'),
      ]);
    }
    const decision = r
      ? this.authorizer.authorize({
          user,
          isResourceRequest: true,
          verb: r.verb ?? '',
          apiGroup: r.group ?? '',
          resource: r.resource ?? '',
          subresource: r.subresource ?? '',
          name: r.name ?? '',
          namespace: r.namespace ?? '',
          path: '',
        })
      : this.authorizer.authorize({
          user,
          isResourceRequest: false,
          verb: n!.verb ?? '',
          path: n!.path ?? '',
          apiGroup: '',
          resource: '',
          subresource: '',
          name: '',
          namespace: '',
        });
    return { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) };
  }

  private rulesReview(user: UserInfo, namespace: string): object {
    const { rules, errors } = this.authorizer.rulesFor(user, namespace);
    const resourceRules = rules
      .filter((r) => !r.nonResourceURLs?.length)
      .map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) }));
    const nonResourceRules = rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs }));
    return {
      resourceRules,
      nonResourceRules,
      incomplete: errors.length > 0,
      ...(errors.length ? { evaluationError: errors.join(', ') } : {}),
    };
  }

  private async tokenReview(spec: Record<string, unknown>): Promise<object> {
    const token = typeof spec.token === 'string' ? spec.token : '';
    const audiences = Array.isArray(spec.audiences) && spec.audiences.length ? (spec.audiences as string[]) : undefined;
    const result = await this.authenticator.authenticateToken(token, audiences);
    if ('error' in result) return { authenticated: false, user: {}, error: result.error };
    return { authenticated: true, user: userInfoOf(result.user), audiences: result.audiences };
  }
}

function subjectOf(type: ResourceType, spec: AccessReviewSpec): UserInfo {
  if (!spec.user && !spec.groups?.length) {
    throw StatusError.invalid(type.kind, type.group, '', [FieldError.invalid('spec.user', '', 'at least one of user or group must be specified')]);
  }
  return { username: spec.user ?? '', groups: spec.groups ?? [], uid: spec.uid, extra: spec.extra };
}

function userInfoOf(user: UserInfo): object {
  return {
    username: user.username,
    ...(user.uid ? { uid: user.uid } : {}),
    groups: user.groups,
    ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}),
  };
}
