import { Controller, Get, Header, HttpCode, Param, ParseUUIDPipe, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import {
  PolicyClusterStatusResponseV1,
  PolicyClusterStatusV1,
  AuditQueryResponseV1,
  AuditQueryV1,
  EffectiveAccessEntry,
  KubeconfigIssueV1,
  KubeconfigListV1,
  KubeconfigRevokeV1,
  KubeconfigSummary,
  PolicyEffectiveAccessV1,
  UserSummary,
} from '@portcullis/contracts';
import { NoRespondersError, RemoteRequestError, Requester, RequestTimeoutError } from '@portcullis/platform/messaging';
import type { Response } from 'express';
import { SESSION_COOKIE, SessionsService } from '../sessions/sessions.service';
import { PlatformTokenSigner } from '../tokens/platform-token.signer';
import { toUserSummary } from '../users/users.service';
import { CsrfGuard } from './csrf.guard';
import { PortalExceptionFilter } from './portal-exception.filter';
import { PortalRequest, PortalSessionGuard } from './portal-session.guard';
import { PortalErrorCode, PortalException } from './portal.exception';

export interface MeResponse {
  user: UserSummary;
  csrfToken: string;
  access: EffectiveAccessEntry[] | null;
  /** Why `access` is null: the policy service did not answer. */
  accessError: string | null;
  /** How each cluster in `access` is reached, and whether an agent-mode cluster's agent is connected now. */
  clusterStatus: PolicyClusterStatusResponseV1['clusters'];
}

/** Turns another service's failure into something a person can act on. */
function portalError(error: unknown, service: string): Error {
  if (error instanceof RemoteRequestError) {
    if (error.code === 'NO_ACCESS') return new PortalException(PortalErrorCode.NoAccess, error.message);
    if (error.code === 'NOT_FOUND') return new PortalException(PortalErrorCode.NotFound, error.message);
  }
  if (error instanceof NoRespondersError || error instanceof RequestTimeoutError || (error instanceof RemoteRequestError && error.code.endsWith('_UNAVAILABLE'))) {
    return new PortalException(PortalErrorCode.ServiceUnavailable, `The ${service} service is not answering; try again in a moment.`);
  }
  return error as Error;
}

/** The developer portal's API; the page itself is static (portal/public). */
@Controller('api')
@UseFilters(PortalExceptionFilter)
@UseGuards(PortalSessionGuard)
export class PortalController {
  constructor(
    private readonly requester: Requester,
    private readonly signer: PlatformTokenSigner,
    private readonly sessions: SessionsService,
  ) {}

  @Get('me')
  @Header('Cache-Control', 'no-store')
  async me(@Req() req: PortalRequest): Promise<MeResponse> {
    const { user, session } = req.portal;
    let access: EffectiveAccessEntry[] | null = null;
    let accessError: string | null = null;
    try {
      ({ entries: access } = await this.requester.request(PolicyEffectiveAccessV1, { userId: user.id, groups: user.groups }));
    } catch (error) {
      accessError = portalError(error, 'policy').message;
    }
    let clusterStatus: PolicyClusterStatusResponseV1['clusters'] = [];
    if (access?.length) {
      // Best effort: the list is useful without it, so a failure shows no state rather than an error.
      clusterStatus = await this.requester
        .request(PolicyClusterStatusV1, { names: [...new Set(access.map((entry) => entry.cluster.name))] })
        .then((answer) => answer.clusters)
        .catch(() => []);
    }
    return { user: toUserSummary(user), csrfToken: session.csrfToken, access, accessError, clusterStatus };
  }

  /** A fresh platform JWT for calling the admin API from the portal. */
  @Get('token')
  @Header('Cache-Control', 'no-store')
  async token(@Req() req: PortalRequest): Promise<{ token: string; expiresAt: string }> {
    const { token, expiresAt } = await this.signer.sign(req.portal.user);
    return { token, expiresAt: expiresAt.toISOString() };
  }

  @Get('kubeconfigs')
  @Header('Cache-Control', 'no-store')
  async kubeconfigs(@Req() req: PortalRequest): Promise<{ kubeconfigs: KubeconfigSummary[] }> {
    return this.requester.request(KubeconfigListV1, { userId: req.portal.user.id }).catch((error: unknown) => {
      throw portalError(error, 'kubeconfig-issuer');
    });
  }

  /** Mints a credential and answers with the kubeconfig file as a download. */
  @Post('kubeconfigs')
  @UseGuards(CsrfGuard)
  async issue(@Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    const { user } = req.portal;
    const issued = await this.requester
      .request(KubeconfigIssueV1, { userId: user.id, email: user.email, displayName: user.displayName, groups: user.groups }, { timeoutMs: 10_000 })
      .catch((error: unknown) => {
        throw portalError(error, 'kubeconfig-issuer');
      });
    res
      .status(201)
      .set({
        'Content-Type': 'application/yaml; charset=utf-8',
        'Content-Disposition': 'attachment; filename="portcullis-kubeconfig.yaml"',
        'Cache-Control': 'no-store',
        'X-Kubeconfig-Id': issued.summary.kubeconfigId,
      })
      .send(issued.kubeconfig);
  }

  @Post('kubeconfigs/:id/revoke')
  @UseGuards(CsrfGuard)
  async revoke(@Req() req: PortalRequest, @Param('id', new ParseUUIDPipe()) id: string): Promise<KubeconfigSummary> {
    const { user } = req.portal;
    return this.requester
      .request(KubeconfigRevokeV1, { kubeconfigId: id, ownerUserId: user.id, revokedBy: user.id, reason: 'revoked by its owner in the portal' })
      .catch((error: unknown) => {
        throw portalError(error, 'kubeconfig-issuer');
      });
  }

  /** The admin view's recent-audit table; the audit service answers it. */
  @Get('audit/recent')
  @Header('Cache-Control', 'no-store')
  async recentAudit(@Req() req: PortalRequest): Promise<AuditQueryResponseV1> {
    if (!req.portal.user.admin) throw new PortalException(PortalErrorCode.Forbidden, 'Only Portcullis admins see the audit trail.');
    return this.requester.request(AuditQueryV1, { filter: {}, after: null, first: 25 }).catch((error: unknown) => {
      throw portalError(error, 'audit');
    });
  }

  @Post('logout')
  @HttpCode(204)
  @UseGuards(CsrfGuard)
  async logout(@Req() req: PortalRequest, @Res({ passthrough: true }) res: Response): Promise<void> {
    await this.sessions.end(req.cookies[SESSION_COOKIE]);
    res.clearCookie(SESSION_COOKIE, this.sessions.cookieOptions());
  }
}
