import { DomainException } from '../errors/domain.exception';

export enum SettingsErrorCode {
  InvalidInput = 'SETTINGS_INVALID_INPUT',
}

export class SettingsException extends DomainException<SettingsErrorCode> {}
