import { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { Logger } from 'pino';
import { currentTraceId } from '@portcullis/platform/telemetry';

/** Values that must never reach a log line, wherever they appear in a logged request. */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
  '*.clientSecret',
  '*.credential',
];

export function createServiceLogger(service: string, level: string): Logger {
  return pino({
    level,
    base: { service },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Lets a log line be found from a trace and the other way round.
    mixin: () => {
      const traceId = currentTraceId();
      return traceId ? { traceId } : {};
    },
  });
}

/** Nest's logger and the HTTP request log on the service's root logger; probes and scrapes are not logged. */
export function serviceLoggerModule(rootLogger: Logger): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      logger: rootLogger,
      autoLogging: { ignore: (req) => /^\/(healthz|readyz|metrics)/.test(req.url ?? '') },
    },
  });
}
