import { Problem, show } from './problems';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/**
 * Checks a DNS-1123 label (Service, Namespace and most object names): at most 63 lowercase
 * alphanumerics or `-`, starting and ending alphanumeric.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-label-names
 */
export function checkDnsLabel(path: string, value: unknown): Problem[] {
  if (typeof value !== 'string' || value.length === 0 || value.length > 63 || !DNS1123_LABEL.test(value)) {
    return [{ path, message: `is ${show(value)}; expected a DNS-1123 label: 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit` }];
  }
  return [];
}

/** True when `value` is a DNS-1123 subdomain (at most 253 characters). */
export function isDnsSubdomain(value: string): boolean {
  return value.length > 0 && value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/**
 * Checks a label key (`prefix/name` or `name`) and value against the Kubernetes rules.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
 */
export function checkLabels(path: string, labels: Readonly<Record<string, string>> | undefined): Problem[] {
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (!isQualifiedName(key)) {
      problems.push({ path: `${path}[${show(key)}]`, message: `key is not a valid label key: an optional DNS subdomain prefix and '/', then 1-63 letters, digits, '-', '_' or '.'` });
    }
    if (typeof value !== 'string' || value.length > 63 || !LABEL_VALUE.test(value)) {
      problems.push({ path: `${path}[${show(key)}]`, message: `value ${show(value)} is not a valid label value: at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric` });
    }
  }
  return problems;
}

/** True for a qualified name such as `nvidia.com/gpu` or `app`. */
export function isQualifiedName(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) return false;
  return parts.length === 1 || isDnsSubdomain(parts[0]);
}

/** True when `value` is a valid label value (empty allowed). */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/**
 * Regex matching the pod names of a Deployment: `<name>-<pod-template-hash>-<suffix>`.
 * Prometheus anchors label regexes, so pods of `llm-big` never match `llm`.
 */
export function deploymentPodPattern(deploymentName: string): string {
  return `${deploymentName}-[a-z0-9]+-[a-z0-9]+`;
}
