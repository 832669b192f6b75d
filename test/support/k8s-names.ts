/**
 * Name syntax rules of the Kubernetes API server (k8s.io/apimachinery/pkg/util/validation and
 * pkg/apis/core/validation). Each function returns `undefined` when the value is valid, else a
 * sentence saying what is allowed.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])*$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

/** RFC 1123 label: lowercase alphanumerics and '-', alphanumeric at both ends, at most 63 characters. */
export function dns1123Label(value: string): string | undefined {
  if (value.length > 63) return `must be no more than 63 characters (has ${value.length})`;
  if (!DNS1123_LABEL.test(value)) {
    return "must be a lowercase RFC 1123 label: lowercase alphanumerics or '-', starting and ending with an alphanumeric";
  }
  return undefined;
}

/** RFC 1123 subdomain: dot-separated RFC 1123 labels, at most 253 characters. */
export function dns1123Subdomain(value: string): string | undefined {
  if (value.length > 253) return `must be no more than 253 characters (has ${value.length})`;
  if (!DNS1123_SUBDOMAIN.test(value)) {
    return "must be a lowercase RFC 1123 subdomain: lowercase alphanumerics, '-' or '.', starting and ending with an alphanumeric";
  }
  return undefined;
}

/** RFC 1035 label (Service names): like an RFC 1123 label but starting with a letter. */
export function dns1035Label(value: string): string | undefined {
  if (value.length > 63) return `must be no more than 63 characters (has ${value.length})`;
  if (!DNS1035_LABEL.test(value)) {
    return "must be an RFC 1035 label: lowercase alphanumerics or '-', starting with a letter and ending with an alphanumeric";
  }
  return undefined;
}

/** A name usable as a URL path segment (RBAC object names such as `system:auth-delegator`). */
export function pathSegmentName(value: string): string | undefined {
  if (value === '.' || value === '..') return `may not be '${value}'`;
  if (value.includes('/') || value.includes('%')) return "may not contain '/' or '%'";
  return undefined;
}

/** Qualified name (label and annotation keys): optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
export function qualifiedName(value: string): string | undefined {
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) return 'prefix part must be non-empty';
    const bad = dns1123Subdomain(prefix);
    if (bad) return `prefix part ${bad}`;
  } else {
    return "must consist of an optional DNS subdomain prefix and '/', then a name (e.g. 'example.com/MyName')";
  }
  if (name.length === 0) return 'name part must be non-empty';
  if (name.length > 63) return `name part must be no more than 63 characters (has ${name.length})`;
  if (!QUALIFIED_NAME_PART.test(name)) {
    return "name part must consist of alphanumerics, '-', '_' or '.', and must start and end with an alphanumeric";
  }
  return undefined;
}

/** Label value: empty, or at most 63 characters of alphanumerics, '-', '_', '.', alphanumeric at both ends. */
export function labelValue(value: string): string | undefined {
  if (value.length > 63) return `must be no more than 63 characters (has ${value.length})`;
  if (!LABEL_VALUE.test(value)) {
    return "must be empty or consist of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric";
  }
  return undefined;
}

/** IANA_SVC_NAME (named container ports): at most 15 lowercase alphanumerics or '-', with a letter, no '--'. */
export function ianaSvcName(value: string): string | undefined {
  if (value.length > 15) return `must be no more than 15 characters (IANA_SVC_NAME; has ${value.length})`;
  if (!IANA_SVC_NAME.test(value)) {
    return "must be an IANA_SVC_NAME: lowercase alphanumerics or '-', starting and ending with an alphanumeric";
  }
  if (value.includes('--')) return "must be an IANA_SVC_NAME: may not contain consecutive '-'";
  if (!/[a-z]/.test(value)) return 'must be an IANA_SVC_NAME: must contain at least one letter';
  return undefined;
}

/** ConfigMap/Secret data key: alphanumerics, '-', '_' or '.', at most 253 characters, not '.'/'..'. */
export function configMapKey(value: string): string | undefined {
  if (value.length === 0) return 'must be non-empty';
  if (value.length > 253) return `must be no more than 253 characters (has ${value.length})`;
  if (!CONFIG_MAP_KEY.test(value)) return "must consist of alphanumerics, '-', '_' or '.'";
  if (value === '.' || value === '..' || value.startsWith('..')) return "may not be '.' or '..' or start with '..'";
  return undefined;
}

/** Environment variable name (RelaxedEnvironmentVariableValidation, on by default since 1.32): printable ASCII except '='. */
export function envVarName(value: string): string | undefined {
  if (value.length === 0) return 'must be non-empty';
  if (!/^[\x20-\x7e]+$/.test(value) || value.includes('=')) {
    return "must consist of printable ASCII characters except '='";
  }
  return undefined;
}
