/** How an exec or attach ended, before it is put on the wire. */
export type ExecOutcome = { kind: 'exited'; code: number } | { kind: 'failed'; message: string };

/**
 * What ends up on the error stream (SPDY) or channel 3 (WebSocket), as a kubelet writes it.
 * From v4 on it is always a JSON Status, and clients read the exit code from it; the older
 * protocols carry only the message of a failure, and nothing on success.
 */
export function errorStreamPayload(outcome: ExecOutcome, argv: string[], format: 'status' | 'message'): Buffer | null {
  const status = kubeletStatus(outcome, argv);
  if (format === 'status') return Buffer.from(JSON.stringify(status));
  return status.status === 'Success' ? null : Buffer.from(status.message ?? '');
}

interface ExecStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: Array<{ reason?: string; message: string }> };
  code?: number;
}

function kubeletStatus(outcome: ExecOutcome, argv: string[]): ExecStatus {
  if (outcome.kind === 'failed') {
    const message = `error executing command in container: ${outcome.message}`;
    return {
      metadata: {},
      status: 'Failure',
      message: `Internal error occurred: ${message}`,
      reason: 'InternalError',
      details: { causes: [{ message }] },
      code: 500,
    };
  }
  if (outcome.code === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    // The wording of the CRI streaming server (containerd), which kubectl prints as is.
    message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${outcome.code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(outcome.code) }] },
  };
}
