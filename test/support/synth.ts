import { Chart, Testing } from 'cdk8s';

/** A Kubernetes object as synthesized: plain JSON. */
export type K8sObject = Record<string, any>;

/** A fresh chart in a fresh test app. */
export function newChart(): Chart {
  return Testing.chart();
}

/** Synthesizes a chart (running its validations) into plain objects. */
export function synth(chart: Chart): K8sObject[] {
  return Testing.synth(chart) as K8sObject[];
}

/** Finds the one object of `kind` named `name`; throws listing what exists otherwise. */
export function find(objects: readonly K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata?.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} "${name}", found ${found.length} among: ${objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
  }
  return found[0];
}
