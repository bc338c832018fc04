import { createHash } from 'node:crypto';
import { isRecord, sameJson, type KubeObject } from '../api/kube-object';
import { FieldError } from '../api/status-error';
import { rfc3339 } from '../clock';
import { BASE_STRATEGY, defaultPodSpec, validatePodSpec, type ResourceStrategy, type StrategyContext } from './resource-strategy';

// Pods are scheduled and running as soon as they exist: there is no kubelet, but clients (kubectl
// exec, logs, describe, rollout) only need a pod that looks like a healthy running one.

export const NODE_NAME = 'emulator-node';
const NODE_IP = '10.0.0.10';

type Container = { name: string; image: string; resources?: { limits?: object; requests?: object } };

export const POD_STRATEGY: ResourceStrategy = {
  ...BASE_STRATEGY,
  hasStatus: true,

  prepareForCreate(pod: KubeObject, ctx: StrategyContext): void {
    const spec = pod.spec as Record<string, unknown>;
    defaultPodSpec(spec);
    spec.serviceAccountName ??= spec.serviceAccount ?? 'default';
    spec.serviceAccount = spec.serviceAccountName;
    spec.nodeName ??= NODE_NAME;
    spec.enableServiceLinks ??= true;
    spec.priority ??= 0;
    spec.preemptionPolicy ??= 'PreemptLowerPriority';
    spec.tolerations ??= ['not-ready', 'unreachable'].map((t) => ({
      key: `node.kubernetes.io/${t}`,
      operator: 'Exists',
      effect: 'NoExecute',
      tolerationSeconds: 300,
    }));
    pod.status = runningStatus(pod, ctx);
  },

  prepareForUpdate(pod: KubeObject): void {
    // The (only) mutable container field is the image; reflect it in the running status.
    const images = new Map(((pod.spec as { containers?: Container[] })?.containers ?? []).map((c) => [c.name, c.image]));
    const status = pod.status as { containerStatuses?: Array<{ name: string; image: string }> } | undefined;
    for (const cs of status?.containerStatuses ?? []) cs.image = images.get(cs.name) ?? cs.image;
  },

  validate(pod: KubeObject, old?: KubeObject): FieldError[] {
    const errors = validatePodSpec(pod.spec, 'spec');
    if (old && errors.length === 0 && !sameJson(mutableView(pod.spec), mutableView(old.spec))) {
      errors.push(
        FieldError.forbidden(
          'spec',
          'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
        ),
      );
    }
    return errors;
  },
};

/** The pod spec without the fields an update may change. */
function mutableView(spec: unknown): unknown {
  if (!isRecord(spec)) return undefined;
  const copy = structuredClone(spec);
  delete copy.activeDeadlineSeconds;
  delete copy.tolerations;
  delete copy.terminationGracePeriodSeconds;
  for (const list of ['containers', 'initContainers']) {
    if (Array.isArray(copy[list])) for (const c of copy[list] as Array<Record<string, unknown>>) delete c.image;
  }
  return copy;
}

function runningStatus(pod: KubeObject, ctx: StrategyContext): Record<string, unknown> {
  const now = rfc3339(ctx.clock.date());
  const containers = ((pod.spec as { containers?: Container[] }).containers ?? []) as Container[];
  const podIP = ctx.allocatePodIP();
  const condition = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now });
  const hasResources = containers.some((c) => c.resources?.limits || c.resources?.requests);
  return {
    phase: 'Running',
    conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(condition),
    hostIP: NODE_IP,
    hostIPs: [{ ip: NODE_IP }],
    podIP,
    podIPs: [{ ip: podIP }],
    startTime: now,
    containerStatuses: containers.map((c) => ({
      name: c.name,
      state: { running: { startedAt: now } },
      lastState: {},
      ready: true,
      restartCount: 0,
      image: c.image,
      imageID: `${c.image.split(':')[0]}@sha256:${createHash('sha256').update(c.image).digest('hex')}`,
      containerID: `containerd://${createHash('sha256').update(`${pod.metadata.namespace}/${pod.metadata.name}/${c.name}/${now}`).digest('hex')}`,
      started: true,
    })),
    qosClass: hasResources ? 'Burstable' : 'BestEffort',
  };
}
