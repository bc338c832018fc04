import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UserDirectory } from '../accounts/user-directory';
import type { DevIdpClient } from '../config/dev-idp-config';
import type { Interaction, Provider } from '../oidc/oidc-provider';
import { loginPage, messagePage } from '../pages/html-pages';

const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/;
const MAX_FORM_BYTES = 16 * 1024;

// Our pages load nothing and must not be framed (clickjacking of the password form). No
// form-action: browsers apply it to the redirects after the POST, which end at the client.
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};

/**
 * The end-user side of an authorization request, where oidc-provider sends the browser when it
 * needs something: `login` shows the password form, `consent` is granted without asking because
 * every client is configured by the operator (a company IdP's first-party apps do not ask either).
 */
export class InteractionHandler {
  private readonly clientNames: ReadonlyMap<string, string>;

  constructor(
    private readonly provider: Provider,
    private readonly users: UserDirectory,
    clients: readonly DevIdpClient[],
  ) {
    this.clientNames = new Map(clients.map((client) => [client.client_id, client.client_name ?? client.client_id]));
  }

  handles(req: IncomingMessage): boolean {
    return INTERACTION_PATH.test(new URL(req.url ?? '/', 'http://idp').pathname);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const [, uid, login] = INTERACTION_PATH.exec(new URL(req.url ?? '/', 'http://idp').pathname) ?? [];
    const method = login ? 'POST' : 'GET';
    if (req.method !== method) {
      send(res, 405, messagePage('Method not allowed', `Use ${method} here.`), { allow: method });
      return;
    }
    try {
      const interaction = await this.provider.interactionDetails(req, res);
      // The interaction cookie is scoped to its own path, so a mismatch is a stale or forged URL.
      if (interaction.uid !== uid) throw new InteractionExpired();
      if (interaction.prompt.name === 'login') {
        if (login) await this.submitLogin(req, res, interaction);
        else this.showLogin(res, interaction);
      } else if (interaction.prompt.name === 'consent' && !login) {
        await this.grantConsent(req, res, interaction);
      } else {
        throw new InteractionExpired();
      }
    } catch (error) {
      if (isExpired(error)) {
        send(res, 400, messagePage('Sign-in expired', 'This sign-in request has expired or was already completed. Start again from the application.'));
        return;
      }
      if (error instanceof FormTooLarge) {
        send(res, 413, messagePage('Form too large', `The sign-in form accepts at most ${MAX_FORM_BYTES} bytes.`));
        return;
      }
      console.error(`dev-idp: interaction failed: ${(error as Error).message}`);
      if (!res.headersSent) send(res, 500, messagePage('Sign-in failed', 'The identity provider hit an internal error. Start again from the application.'));
      else res.destroy();
    }
  }

  private showLogin(res: ServerResponse, interaction: Interaction): void {
    const hint = interaction.params['login_hint'];
    send(res, 200, this.loginForm(interaction, typeof hint === 'string' ? hint : ''));
  }

  private async submitLogin(req: IncomingMessage, res: ServerResponse, interaction: Interaction): Promise<void> {
    const form = await readForm(req);
    const username = form.get('username') ?? '';
    const authentication = this.users.authenticate(username, form.get('password') ?? '');
    switch (authentication.outcome) {
      case 'invalid-credentials':
        send(res, 401, this.loginForm(interaction, username, 'Invalid username or password.'));
        return;
      case 'disabled':
        send(res, 403, this.loginForm(interaction, username, 'This account is disabled. Ask an administrator to enable it.'));
        return;
      case 'authenticated':
        await this.provider.interactionFinished(req, res, { login: { accountId: authentication.sub } }, { mergeWithLastSubmission: false });
        return;
    }
  }

  private async grantConsent(req: IncomingMessage, res: ServerResponse, interaction: Interaction): Promise<void> {
    const accountId = interaction.session?.accountId;
    const clientId = interaction.params['client_id'];
    if (accountId === undefined || typeof clientId !== 'string') throw new InteractionExpired();
    const grant = (interaction.grantId ? await this.provider.Grant.find(interaction.grantId) : undefined) ?? new this.provider.Grant({ accountId, clientId });
    const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = interaction.prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    await this.provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  private loginForm(interaction: Interaction, username: string, error?: string): string {
    const clientId = String(interaction.params['client_id'] ?? '');
    return loginPage({
      action: `/interaction/${interaction.uid}/login`,
      clientName: this.clientNames.get(clientId) ?? clientId,
      username,
      ...(error === undefined ? {} : { error }),
    });
  }
}

class InteractionExpired extends Error {
  constructor() {
    super('interaction not found');
    this.name = 'InteractionExpired';
  }
}

class FormTooLarge extends Error {
  constructor() {
    super('form body too large');
    this.name = 'FormTooLarge';
  }
}

/** oidc-provider throws SessionNotFound when the interaction cookie or its record is gone. */
function isExpired(error: unknown): boolean {
  return error instanceof InteractionExpired || (error instanceof Error && error.name === 'SessionNotFound');
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new FormTooLarge();
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...PAGE_HEADERS, ...headers, 'content-length': Buffer.byteLength(html) });
  res.end(html);
}
