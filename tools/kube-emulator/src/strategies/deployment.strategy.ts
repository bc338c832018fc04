import { sameJson, type KubeObject } from '../api/kube-object';
import { FieldError } from '../api/status-error';
import { rfc3339 } from '../clock';
import { LabelSelector } from '../selectors/label-selector';
import { BASE_STRATEGY, defaultPodSpec, validatePodSpec, type ResourceStrategy, type StrategyContext } from './resource-strategy';

// Deployments are accepted and reported as rolled out (status mirrors spec.replicas); no
// ReplicaSets or Pods are created for them.

type DeploymentSpec = {
  replicas?: number;
  selector?: { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> };
  template?: { metadata?: { labels?: Record<string, string> }; spec?: Record<string, unknown> };
  [k: string]: unknown;
};

const REVISION = 'deployment.kubernetes.io/revision';

function defaults(spec: DeploymentSpec): void {
  spec.replicas ??= 1;
  spec.strategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } };
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  if (spec.template?.spec) defaultPodSpec(spec.template.spec);
}

function rolledOut(d: KubeObject, ctx: StrategyContext): Record<string, unknown> {
  const replicas = (d.spec as DeploymentSpec).replicas ?? 1;
  const now = rfc3339(ctx.clock.date());
  return {
    observedGeneration: d.metadata.generation,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: replicas,
    availableReplicas: replicas,
    conditions: [
      { type: 'Available', status: 'True', lastUpdateTime: now, lastTransitionTime: now, reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
      { type: 'Progressing', status: 'True', lastUpdateTime: now, lastTransitionTime: now, reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${d.metadata.name}" has successfully progressed.` },
    ],
  };
}

export const DEPLOYMENT_STRATEGY: ResourceStrategy = {
  ...BASE_STRATEGY,
  hasStatus: true,
  tracksGeneration: true,
  prepareForCreate(d: KubeObject, ctx: StrategyContext): void {
    defaults((d.spec ??= {}) as DeploymentSpec);
    d.metadata.annotations = { ...d.metadata.annotations, [REVISION]: '1' };
    d.status = rolledOut(d, ctx);
  },
  prepareForUpdate(d: KubeObject, old: KubeObject, ctx: StrategyContext): void {
    const spec = (d.spec ??= {}) as DeploymentSpec;
    defaults(spec);
    const revision = Number(old.metadata.annotations?.[REVISION] ?? '1');
    const templateChanged = !sameJson(spec.template, (old.spec as DeploymentSpec).template);
    d.metadata.annotations = { ...d.metadata.annotations, [REVISION]: String(templateChanged ? revision + 1 : revision) };
    d.status = rolledOut(d, ctx);
  },
  validate(d: KubeObject): FieldError[] {
    const spec = d.spec as DeploymentSpec;
    const errors: FieldError[] = [];
    if (!spec.selector) errors.push(FieldError.required('spec.selector', ''));
    else {
      const labels = spec.template?.metadata?.labels ?? {};
      if (!LabelSelector.fromObject(spec.selector).matches(labels)) {
        errors.push(FieldError.invalid('spec.template.metadata.labels', JSON.stringify(labels), '`selector` does not match template `labels`'));
      }
    }
    if ((spec.replicas ?? 0) < 0) errors.push(FieldError.invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
    errors.push(...validatePodSpec(spec.template?.spec, 'spec.template.spec'));
    return errors;
  },
};
