import { ServiceConfig } from '@portcullis/platform/config';
import { MessagingConnectionOptions, MessagingCredentials, MessagingLogger } from '@portcullis/platform/messaging';

/** The NATS connection a service's configuration describes; the config allows at most one credential. */
export function messagingConnectionOptions(config: ServiceConfig, name: string, logger: MessagingLogger): MessagingConnectionOptions {
  return { url: config.NATS_URL, name, credentials: natsCredentials(config), caFile: config.NATS_CA_FILE, logger, jetStreamReplicas: config.JETSTREAM_REPLICAS };
}

function natsCredentials(config: ServiceConfig): MessagingCredentials | undefined {
  if (config.NATS_USER !== undefined && config.NATS_PASSWORD !== undefined) return { user: config.NATS_USER, password: config.NATS_PASSWORD };
  if (config.NATS_TOKEN !== undefined) return { token: config.NATS_TOKEN };
  if (config.NATS_CREDS_FILE !== undefined) return { credsFile: config.NATS_CREDS_FILE };
  return undefined;
}
