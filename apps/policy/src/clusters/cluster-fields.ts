import { dnsLabel, validate } from '@portcullis/contracts';
import { z } from 'zod';
import { labelProblem, sortedLabels } from './cluster-labels';
import { ClusterErrorCode, ClusterException } from './cluster.exception';

export const DEFAULT_IDLE_TIMEOUT_SECONDS = 3600;
const MIN_IDLE_TIMEOUT_SECONDS = 60;
const MAX_IDLE_TIMEOUT_SECONDS = 30 * 24 * 3600;

function invalid(message: string): ClusterException {
  return new ClusterException(ClusterErrorCode.InvalidInput, message);
}

export function parseClusterName(name: string): string {
  const result = validate(dnsLabel, name);
  if (!result.ok) throw invalid(`name: "${name.slice(0, 80)}" ${result.reason.replace(/^\(root\): /, '')}`);
  return result.value;
}

export function parseDisplayName(displayName: string): string {
  const trimmed = displayName.trim();
  if (trimmed.length === 0 || trimmed.length > 200) throw invalid('displayName: must be 1-200 characters');
  return trimmed;
}

/** An https URL without credentials, query or fragment; stored without a trailing slash. */
export function parseServerUrl(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw invalid(`server: "${server.slice(0, 200)}" is not a URL`);
  }
  if (url.protocol !== 'https:') throw invalid('server: must be an https:// URL (the API server is only spoken to over TLS)');
  if (url.username || url.password || url.search || url.hash) throw invalid('server: must not carry credentials, a query or a fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export function parseLabels(labels: Record<string, string>): Record<string, string> {
  const problem = labelProblem(labels);
  if (problem) throw invalid(`labels: ${problem}`);
  return sortedLabels(labels);
}

export function parseIdleTimeout(seconds: number): number {
  const result = validate(z.number().int().min(MIN_IDLE_TIMEOUT_SECONDS).max(MAX_IDLE_TIMEOUT_SECONDS), seconds);
  if (!result.ok) throw invalid(`idleTimeoutSeconds: must be a whole number of seconds from ${MIN_IDLE_TIMEOUT_SECONDS} to ${MAX_IDLE_TIMEOUT_SECONDS}`);
  return result.value;
}
