export { DevIdentityProvider, type DevIdentityProviderOptions } from './dev-identity-provider';
export { DevIdpConfigError } from './config/dev-idp-config';
