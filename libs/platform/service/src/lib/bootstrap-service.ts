import { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ProcessConfig, redactConfig } from '@portcullis/platform/config';
import { loadConfigOrExit } from './load-config-or-exit';
import { Logger } from 'nestjs-pino';
import type { Logger as PinoLogger } from 'pino';
import { ROOT_LOGGER } from './platform.tokens';

export interface BootstrapOptions<C extends ProcessConfig> {
  service: string;
  loadConfig: () => C;
  createModule: (config: C) => DynamicModule;
}

/**
 * Starts a service: config first (a bad variable stops it with one line naming it), then
 * Nest with JSON logs, then HTTP. Prints one `ready` log line with the URL once listening.
 */
export async function bootstrapService<C extends ProcessConfig>(options: BootstrapOptions<C>): Promise<void> {
  const config = loadConfigOrExit(options.service, options.loadConfig);

  const app = await NestFactory.create(options.createModule(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // The signals an orchestrator or a terminal sends to stop a process; by default Nest also stops on
  // SIGUSR2, SIGHUP and others that profilers and diagnostics send to a running process.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(config.HTTP_PORT, config.HTTP_HOST);
  const address = app.getHttpServer().address() as { port: number };
  const logger = app.get<PinoLogger>(ROOT_LOGGER);
  logger.info({ config: redactConfig(config) }, 'configuration');
  logger.info({ url: `http://${config.HTTP_HOST}:${address.port}` }, 'ready');
}
