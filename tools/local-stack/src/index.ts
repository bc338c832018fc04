export * from './dev-environment';
export * from './demo-setup';
export * from './demo-agent';
