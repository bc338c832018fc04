export * from './dev-environment';
export * from './demo-setup';
