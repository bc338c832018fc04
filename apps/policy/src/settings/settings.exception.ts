import { DomainException } from '@portcullis/platform/errors';

export enum SettingsErrorCode {
  InvalidInput = 'SETTINGS_INVALID_INPUT',
}

export class SettingsException extends DomainException<SettingsErrorCode> {}
