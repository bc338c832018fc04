import { PLATFORM_TOKEN_AUDIENCE } from '@portcullis/contracts';
import fs from 'node:fs';
import { importJWK, JWK, SignJWT } from 'jose';

export interface DemoCluster {
  server: string;
  caBundle: string;
  token: string;
}

interface GraphQLAnswer<T> {
  data?: T;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/** The demo grants: who may do what on the demo cluster, by IdP group (tools/dev-idp/dev-users.yaml). */
const demoGrants = [
  { group: 'platform-team', role: 'cluster-admin', namespaces: [] as string[] },
  { group: 'developers', role: 'edit', namespaces: ['team-a'] },
  { group: 'team-payments', role: 'view', namespaces: ['team-payments'] },
];

/** A platform JWT for the local setup itself, signed with identity's development key. */
async function setupToken(signingKeysFile: string, issuer: string): Promise<string> {
  const [jwk] = JSON.parse(fs.readFileSync(signingKeysFile, 'utf8')) as JWK[];
  const key = await importJWK(jwk, 'ES256');
  return new SignJWT({ email: null, name: 'npm start', groups: [], admin: true })
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid ?? '', typ: 'JWT' })
    .setIssuer(issuer)
    .setSubject('local-demo-setup')
    .setAudience(PLATFORM_TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}

/** What an admin gets back for an agent-mode cluster: the token and manifest to apply on it. */
export interface AgentClusterRegistration {
  bootstrapToken: string;
  manifest: string;
}

/**
 * Registers (or re-points, since the emulator makes a new CA every start) the demo cluster and
 * its grants through the admin API, exactly as an admin would. With `privateCluster`, a second
 * cluster in agent mode as well (no address: its agent dials out), re-registered on every run
 * because its emulated cluster starts empty, so its agent must enroll again.
 */
export async function setUpDemoCluster(options: {
  policyUrl: string;
  identityUrl: string;
  signingKeysFile: string;
  cluster: DemoCluster;
  privateCluster?: { name: string; displayName: string };
}): Promise<{ privateCluster?: AgentClusterRegistration }> {
  const token = await setupToken(options.signingKeysFile, options.identityUrl);
  const graphql = async <T>(query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const response = await fetch(`${options.policyUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const answer = (await response.json()) as GraphQLAnswer<T>;
    if (answer.errors?.length || !answer.data) throw new Error(`admin API: ${answer.errors?.map((e) => e.message).join('; ') ?? response.status}`);
    return answer.data;
  };

  const state = await graphql<{
    clusters: Array<{ id: string; name: string }>;
    roles: Array<{ id: string; name: string }>;
    grants: Array<{ subject: { kind: string; name: string }; role: { name: string }; cluster: { name: string } | null; namespaces: string[] }>;
  }>('{ clusters { id name } roles { id name } grants { subject { kind name } role { name } cluster { name } namespaces } }');

  const credential = { token: options.cluster.token };
  const existing = state.clusters.find((cluster) => cluster.name === 'demo');
  const clusterId = existing
    ? (
        await graphql<{ updateCluster: { id: string } }>('mutation($id: ID!, $input: UpdateClusterInput!) { updateCluster(id: $id, input: $input) { id } }', {
          id: existing.id,
          input: { server: options.cluster.server, caBundle: options.cluster.caBundle, credential },
        })
      ).updateCluster.id
    : (
        await graphql<{ registerCluster: { id: string } }>('mutation($input: RegisterClusterInput!) { registerCluster(input: $input) { id } }', {
          input: { name: 'demo', displayName: 'Demo cluster (emulator)', server: options.cluster.server, caBundle: options.cluster.caBundle, labels: { env: 'demo' }, credential },
        })
      ).registerCluster.id;

  const clusters = [{ name: 'demo', id: clusterId }];
  let privateCluster: AgentClusterRegistration | undefined;
  if (options.privateCluster) {
    const fields = 'cluster { id } bootstrapToken manifest';
    const known = state.clusters.find((cluster) => cluster.name === options.privateCluster?.name);
    const registration = known
      ? (await graphql<{ reregisterClusterAgent: { cluster: { id: string } } & AgentClusterRegistration }>(`mutation($id: ID!) { reregisterClusterAgent(id: $id) { ${fields} } }`, { id: known.id }))
          .reregisterClusterAgent
      : (
          await graphql<{ registerAgentCluster: { cluster: { id: string } } & AgentClusterRegistration }>(`mutation($input: RegisterAgentClusterInput!) { registerAgentCluster(input: $input) { ${fields} } }`, {
            input: { name: options.privateCluster.name, displayName: options.privateCluster.displayName, labels: { env: 'demo', network: 'private' } },
          })
        ).registerAgentCluster;
    clusters.push({ name: options.privateCluster.name, id: registration.cluster.id });
    privateCluster = { bootstrapToken: registration.bootstrapToken, manifest: registration.manifest };
  }

  for (const cluster of clusters) {
    for (const wanted of demoGrants) {
      const present = state.grants.some(
        (grant) => grant.subject.name === wanted.group && grant.role.name === wanted.role && grant.cluster?.name === cluster.name && grant.namespaces.join() === wanted.namespaces.join(),
      );
      const role = state.roles.find((candidate) => candidate.name === wanted.role);
      if (present || !role) continue;
      await graphql('mutation($input: GrantInput!) { grant(input: $input) { id } }', {
        input: { subject: { kind: 'GROUP', name: wanted.group }, roleId: role.id, clusterId: cluster.id, namespaces: wanted.namespaces },
      });
    }
  }
  return { privateCluster };
}
