/**
 * Bottlerocket user data, as a pure function. Bottlerocket reads TOML `settings` from user
 * data; in an EKS managed node group the settings given in a launch template are merged with the
 * ones EKS writes (cluster endpoint, CA, labels, taints).
 *
 * @see https://bottlerocket.dev/en/os/latest/api/settings/kubelet-device-plugins/
 * @see https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html#launch-template-user-data
 */

type TomlValue = string | number | boolean;

function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

function tomlValue(value: TomlValue): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function renderTable(path: string[], table: Record<string, unknown>, out: string[]): void {
  const scalars = Object.entries(table).filter(([, v]) => !isTable(v));
  const tables = Object.entries(table).filter(([, v]) => isTable(v)) as [string, Record<string, unknown>][];
  if (scalars.length > 0) {
    if (out.length > 0) out.push('');
    out.push(`[${path.map(tomlKey).join('.')}]`);
    for (const [key, value] of scalars) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new Error(`Bottlerocket setting ${[...path, key].join('.')} is ${JSON.stringify(value)}; only strings, numbers and booleans are rendered`);
      }
      out.push(`${tomlKey(key)} = ${tomlValue(value)}`);
    }
  }
  for (const [key, value] of tables) renderTable([...path, key], value, out);
}

/**
 * Renders Bottlerocket `settings` (nested objects, as `ResolvedGpuNodePool.bottlerocketSettings`
 * holds them) as TOML under `[settings.*]`. Empty settings give an empty string.
 */
export function bottlerocketUserData(settings: Readonly<Record<string, unknown>>): string {
  const out: string[] = [];
  renderTable(['settings'], settings as Record<string, unknown>, out);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
