// Reported to the proxy at enrollment, renewal and in AgentInfo. A constant rather than a read of
// package.json, which the image does not ship beside the bundle; agent-version.spec.ts keeps the
// two in step.
export const AGENT_VERSION = '0.1.0';
