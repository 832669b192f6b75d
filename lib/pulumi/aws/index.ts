/**
 * inferscale's AWS components for Pulumi: the EKS environment and GPU node groups. Loads
 * `@pulumi/aws`; `inferscale/pulumi` does not.
 * @module
 */
export * from '../gpu-node-group';
export * from '../inference-environment';
export type { ZoneSubnets } from './network-plan';
export type { AccessEntryOptions, AccessPolicyName, ResolvedAccessEntry } from './access-entries';
export type { AddonVersionOptions, ManagedAddonName } from './addons';
