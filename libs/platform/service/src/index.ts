export * from './lib/platform.module';
export * from './lib/platform.tokens';
export * from './lib/bootstrap-service';
export * from './lib/service-logger';
export * from './lib/metrics';
export * from './lib/migrate-service';
export * from './lib/readiness-checks';
export * from './lib/standalone-platform.module';
