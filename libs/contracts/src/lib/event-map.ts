import { UserUpsertedV1 } from '../identity/user-upserted.v1';
import { GrantChangedV1 } from '../policy/grant-changed.v1';
import { ClusterChangedV1 } from '../policy/cluster-changed.v1';
import { RoleChangedV1 } from '../policy/role-changed.v1';
import { SettingsChangedV1 } from '../policy/settings-changed.v1';
import { AdminActionV1 } from '../policy/admin-action.v1';
import { KubeconfigIssuedV1 } from '../kubeconfig/kubeconfig-issued.v1';
import { KubeconfigRevokedV1 } from '../kubeconfig/kubeconfig-revoked.v1';
import { ProxyRequestV1 } from '../proxy/proxy-request.v1';
import { ProxyRequestBatchV1 } from '../proxy/proxy-request-batch.v1';
import { SaProvisionedV1 } from '../sa/sa-provisioned.v1';
import { SaExpiredV1 } from '../sa/sa-expired.v1';
import { TunnelEventV1 } from '../agent/tunnel-event.v1';
import { EventOf } from './contract';

/** subject → contract; the one registry publishers and consumers look events up in. */
export const eventContracts = {
  [UserUpsertedV1.subject]: UserUpsertedV1,
  [GrantChangedV1.subject]: GrantChangedV1,
  [ClusterChangedV1.subject]: ClusterChangedV1,
  [RoleChangedV1.subject]: RoleChangedV1,
  [SettingsChangedV1.subject]: SettingsChangedV1,
  [AdminActionV1.subject]: AdminActionV1,
  [KubeconfigIssuedV1.subject]: KubeconfigIssuedV1,
  [KubeconfigRevokedV1.subject]: KubeconfigRevokedV1,
  [ProxyRequestV1.subject]: ProxyRequestV1,
  [ProxyRequestBatchV1.subject]: ProxyRequestBatchV1,
  [SaProvisionedV1.subject]: SaProvisionedV1,
  [SaExpiredV1.subject]: SaExpiredV1,
  [TunnelEventV1.subject]: TunnelEventV1,
} as const;

/** subject → payload type, so `publish(subject, payload)` is checked at compile time. */
export type EventMap = { [S in keyof typeof eventContracts]: EventOf<(typeof eventContracts)[S]> };
export type EventSubject = keyof EventMap;
