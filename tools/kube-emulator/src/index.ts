export { KubeEmulator, type KubeEmulatorOptions } from './kube-emulator';
export type { AccessLogEntry } from './access-log';
export type { KubeObject, ObjectMeta, PolicyRule, Subject, RoleRef, UserInfo } from './api/kube-object';
export type { KubeconfigCredentials } from './kubeconfig';
export type { CertificateAndKey } from './tls/certificate-authority';
export { PORTS_ANNOTATION } from './http/pod-upgrade-handler';
