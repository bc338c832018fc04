export * from './evaluation-secrets';
export * from './k8s-secrets.command';
