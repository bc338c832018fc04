import { DomainException } from '@portcullis/platform/errors';
import { AccessErrorCode, AccessException } from '../access/access.exception';
import { AgentErrorCode, AgentException } from '../agents/agent.exception';
import { AdminAuthErrorCode, AdminAuthException } from '../admin-api/admin-auth.exception';
import { ClusterErrorCode, ClusterException } from '../clusters/cluster.exception';
import { GrantErrorCode, GrantException } from '../grants/grant.exception';
import { PeerServiceErrorCode, PeerServiceException } from '../peers/peer-service.exception';
import { RoleErrorCode, RoleException } from '../roles/role.exception';
import { SettingsErrorCode, SettingsException } from '../settings/settings.exception';
import { ArgumentErrorCode, ArgumentException } from './argument.exception';

/** What kind of failure a domain exception is, whatever the transport that reports it. */
export type ErrorCategory = 'unauthenticated' | 'forbidden' | 'not-found' | 'invalid' | 'conflict' | 'unavailable';

function clusterCategory(code: ClusterErrorCode): ErrorCategory {
  switch (code) {
    case ClusterErrorCode.NotFound:
      return 'not-found';
    case ClusterErrorCode.NameTaken:
      return 'conflict';
    case ClusterErrorCode.InvalidInput:
    case ClusterErrorCode.Unreachable:
    case ClusterErrorCode.TlsFailed:
    case ClusterErrorCode.CredentialRejected:
    case ClusterErrorCode.UnexpectedAnswer:
    case ClusterErrorCode.AgentMode:
      return 'invalid';
  }
}

function agentCategory(code: AgentErrorCode): ErrorCategory {
  switch (code) {
    case AgentErrorCode.NotConfigured:
      return 'unavailable';
    case AgentErrorCode.BootstrapTokenInvalid:
    case AgentErrorCode.Revoked:
      return 'unauthenticated';
    case AgentErrorCode.NotAgentCluster:
    case AgentErrorCode.CsrInvalid:
      return 'invalid';
  }
}

function roleCategory(code: RoleErrorCode): ErrorCategory {
  switch (code) {
    case RoleErrorCode.NotFound:
      return 'not-found';
    case RoleErrorCode.NameTaken:
    case RoleErrorCode.InUse:
      return 'conflict';
    case RoleErrorCode.InvalidInput:
    case RoleErrorCode.BuiltIn:
      return 'invalid';
  }
}

function grantCategory(code: GrantErrorCode): ErrorCategory {
  switch (code) {
    case GrantErrorCode.NotFound:
      return 'not-found';
    case GrantErrorCode.Duplicate:
      return 'conflict';
    case GrantErrorCode.InvalidInput:
      return 'invalid';
  }
}

function settingsCategory(code: SettingsErrorCode): ErrorCategory {
  switch (code) {
    case SettingsErrorCode.InvalidInput:
      return 'invalid';
  }
}

function accessCategory(code: AccessErrorCode): ErrorCategory {
  switch (code) {
    case AccessErrorCode.UserNotFound:
      return 'not-found';
  }
}

function peerCategory(code: PeerServiceErrorCode): ErrorCategory {
  switch (code) {
    case PeerServiceErrorCode.Unavailable:
      return 'unavailable';
    case PeerServiceErrorCode.NotFound:
      return 'not-found';
    case PeerServiceErrorCode.Rejected:
      return 'invalid';
  }
}

function argumentCategory(code: ArgumentErrorCode): ErrorCategory {
  switch (code) {
    case ArgumentErrorCode.Invalid:
      return 'invalid';
  }
}

function authCategory(code: AdminAuthErrorCode): ErrorCategory {
  switch (code) {
    case AdminAuthErrorCode.Unauthenticated:
      return 'unauthenticated';
    case AdminAuthErrorCode.Forbidden:
      return 'forbidden';
  }
}

/** The category of a domain exception; null for one no mapper knows (to be treated as unexpected). */
export function errorCategoryOf(exception: DomainException): ErrorCategory | null {
  if (exception instanceof ClusterException) return clusterCategory(exception.code);
  if (exception instanceof AgentException) return agentCategory(exception.code);
  if (exception instanceof RoleException) return roleCategory(exception.code);
  if (exception instanceof GrantException) return grantCategory(exception.code);
  if (exception instanceof SettingsException) return settingsCategory(exception.code);
  if (exception instanceof AccessException) return accessCategory(exception.code);
  if (exception instanceof PeerServiceException) return peerCategory(exception.code);
  if (exception instanceof ArgumentException) return argumentCategory(exception.code);
  if (exception instanceof AdminAuthException) return authCategory(exception.code);
  return null;
}
