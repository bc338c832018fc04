import fs from 'node:fs';
import { AGENT_MODE_VARIABLES, PolicyConfig } from '../config/policy.config';
import { AgentCertificateAuthority } from './agent-certificate-authority';
import { AgentErrorCode, AgentException } from './agent.exception';

/** What agent mode needs, once it is configured. */
export interface AgentModeSettings {
  authority: AgentCertificateAuthority;
  tunnelUrl: string;
  /** PEM agents verify the tunnel endpoint with; null: public roots. */
  tunnelCaPem: string | null;
  image: string;
  certificateValidityDays: number;
  bootstrapTokenTtlSeconds: number;
}

/** Agent mode is optional: a deployment without the agent CA and tunnel URL serves direct clusters only. */
export class AgentSettings {
  private constructor(private readonly settings: AgentModeSettings | null) {}

  static async fromConfig(config: PolicyConfig): Promise<AgentSettings> {
    const { AGENT_CA_CERT_FILE: certFile, AGENT_CA_KEY_FILE: keyFile, AGENT_TUNNEL_URL: tunnelUrl } = config;
    // loadPolicyConfig guarantees all three or none.
    if (certFile === undefined || keyFile === undefined || tunnelUrl === undefined) return new AgentSettings(null);
    return new AgentSettings({
      authority: await AgentCertificateAuthority.fromPem(fs.readFileSync(certFile, 'utf8'), fs.readFileSync(keyFile, 'utf8')),
      tunnelUrl,
      tunnelCaPem: config.AGENT_TUNNEL_CA_FILE === undefined ? null : fs.readFileSync(config.AGENT_TUNNEL_CA_FILE, 'utf8'),
      image: config.AGENT_IMAGE,
      certificateValidityDays: config.AGENT_CERTIFICATE_VALIDITY_DAYS,
      bootstrapTokenTtlSeconds: config.AGENT_BOOTSTRAP_TOKEN_TTL_SECONDS,
    });
  }

  /** The settings, or AGENT_MODE_NOT_CONFIGURED naming what to set. */
  require(): AgentModeSettings {
    if (this.settings) return this.settings;
    throw new AgentException(AgentErrorCode.NotConfigured, `agent mode is not configured on the policy service: set ${AGENT_MODE_VARIABLES.join(', ')}`);
  }
}
