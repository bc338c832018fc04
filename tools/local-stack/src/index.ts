export * from './dev-environment';
