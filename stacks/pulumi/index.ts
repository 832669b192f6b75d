/**
 * Entry point of the Pulumi program (`Pulumi.yaml`: `main: stacks/pulumi/`). Everything it does
 * is in `program.ts`; this file only reads the `inferscale` config namespace and exports the
 * stack outputs.
 */
import * as pulumi from '@pulumi/pulumi';
import { program } from './program';

const { outputs } = program(new pulumi.Config('inferscale'));

/** EKS cluster name. */
export const clusterName = outputs.clusterName;
/** AWS region of the cluster. */
export const region = outputs.region;
/** Kubeconfig of the cluster (secret): `pulumi stack output kubeconfig --show-secrets > kubeconfig.json`. */
export const kubeconfig = outputs.kubeconfig;
/** EKS node group names, system first. */
export const nodeGroupNames = outputs.nodeGroupNames;
/** In-cluster URL of each inference service. */
export const serviceEndpoints = outputs.serviceEndpoints;
/** URL of the Prometheus the adapter reads, in the cluster. */
export const prometheusUrl = outputs.prometheusUrl;
