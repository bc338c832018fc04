import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserDirectory } from './accounts/user-directory';
import { loadDevIdpConfig } from './config/dev-idp-config';
import { InteractionHandler } from './interactions/interaction-handler';
import { loadOidcProvider } from './oidc/oidc-provider';
import { providerConfiguration } from './oidc/provider-configuration';

export interface DevIdentityProviderOptions {
  /** 0 (default): any free port. */
  port?: number;
  /** A YAML file path, or YAML text (anything with a newline). Format: tools/dev-idp/README.md. */
  config: string;
}

/**
 * A real OpenID Provider (oidc-provider) for development and tests, configured like a company
 * IdP from a YAML file of users and clients. It listens on 127.0.0.1 over plain HTTP and keeps
 * everything (keys, sessions, codes) in memory.
 *
 * Under jest, run the CLI (src/main.ts) in a child process instead, as `DevIdpProcess` of
 * @portcullis/platform/testing does: oidc-provider is ESM-only and jest's module system does not
 * load it.
 */
export class DevIdentityProvider {
  private constructor(
    /** `http://127.0.0.1:<port>`; discovery is at `<issuer>/.well-known/openid-configuration`. */
    readonly issuer: string,
    readonly port: number,
    private readonly server: Server,
  ) {}

  /** Throws DevIdpConfigError for an unusable configuration. */
  static async start(options: DevIdentityProviderOptions): Promise<DevIdentityProvider> {
    const config = loadDevIdpConfig(options.config);
    const users = new UserDirectory(config.users);
    // The issuer must name the port, so bind first (port 0 picks one) and build the provider after.
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    try {
      const port = (server.address() as AddressInfo).port;
      const issuer = `http://127.0.0.1:${port}`;
      const Provider = loadOidcProvider();
      const provider = new Provider(issuer, await providerConfiguration(config.clients, users));
      provider.on('server_error', (_ctx, error) => console.error(`dev-idp: server error: ${error.message}`));
      const interactions = new InteractionHandler(provider, users, config.clients);
      const oidc = provider.callback();
      server.on('request', (req, res) => {
        if (interactions.handles(req)) void interactions.handle(req, res);
        else oidc(req, res);
      });
      return new DevIdentityProvider(issuer, port, server);
    } catch (error) {
      server.close();
      throw error;
    }
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
    // Keep-alive connections of clients would otherwise hold close() open.
    this.server.closeAllConnections();
    await closed;
  }
}
