export * from './certificate-issuer';
export * from './dev-pki';
