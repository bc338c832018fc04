import { AgentEnrollmentCodes } from '@portcullis/contracts';
import { DomainException } from '@portcullis/platform/errors';
import { ReplyError } from '@portcullis/platform/messaging';
import { AgentErrorCode, AgentException } from '../agents/agent.exception';
import { ClusterErrorCode, ClusterException } from '../clusters/cluster.exception';
import { ErrorCategory, errorCategoryOf } from './error-category';

type AgentEnrollmentCode = (typeof AgentEnrollmentCodes)[keyof typeof AgentEnrollmentCodes];

/** The codes policy's NATS responders answer with (the Responder sends `code` and `message`). */
export type ReplyCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_REQUEST' | 'CONFLICT' | 'UNAVAILABLE' | 'AGENT_MODE' | AgentEnrollmentCode;

function replyCode(category: ErrorCategory): ReplyCode {
  switch (category) {
    case 'unauthenticated':
      return 'UNAUTHENTICATED';
    case 'forbidden':
      return 'FORBIDDEN';
    case 'not-found':
      return 'NOT_FOUND';
    case 'invalid':
      return 'BAD_REQUEST';
    case 'conflict':
      return 'CONFLICT';
    case 'unavailable':
      return 'UNAVAILABLE';
  }
}

/** The enrollment contract's own codes, which the proxy maps to HTTP answers for agents. */
function agentReplyCode(code: AgentErrorCode): ReplyCode {
  switch (code) {
    case AgentErrorCode.BootstrapTokenInvalid:
      return AgentEnrollmentCodes.tokenInvalid;
    case AgentErrorCode.Revoked:
      return AgentEnrollmentCodes.agentRevoked;
    case AgentErrorCode.CsrInvalid:
      return AgentEnrollmentCodes.csrInvalid;
    case AgentErrorCode.NotAgentCluster:
      return AgentEnrollmentCodes.notFound;
    case AgentErrorCode.NotConfigured:
      return 'UNAVAILABLE';
  }
}

/** A code of its own where a caller acts on it; otherwise the category's. */
function replyCodeOf(error: DomainException, category: ErrorCategory): ReplyCode {
  if (error instanceof AgentException) return agentReplyCode(error.code);
  // sa-provisioner asks for a credential an agent-mode cluster does not have: it must route through the agent.
  if (error instanceof ClusterException && error.code === ClusterErrorCode.AgentMode) return 'AGENT_MODE';
  return replyCode(category);
}

/**
 * Runs a responder's handler, turning a domain exception into the reply code callers act on;
 * anything else propagates and the Responder answers INTERNAL with a logged id.
 */
export async function withReplyCodes<T>(handler: () => Promise<T>): Promise<T> {
  try {
    return await handler();
  } catch (error) {
    const category = error instanceof DomainException ? errorCategoryOf(error) : null;
    if (error instanceof DomainException && category) throw new ReplyError(replyCodeOf(error, category), error.message);
    throw error;
  }
}
