/**
 * Formats whole seconds as a PromQL duration: `60` → `1m`, `90` → `90s`, `3600` → `1h`.
 * @see https://prometheus.io/docs/prometheus/latest/querying/basics/#time-durations
 */
export function promDuration(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** Describes seconds for people: `45 s`, `10 min`, `1 h 30 min`. */
export function humanDuration(seconds: number): string {
  if (seconds < 120 && seconds % 60 !== 0) return `${seconds} s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts = [h ? `${h} h` : '', m ? `${m} min` : '', s ? `${s} s` : ''].filter(Boolean);
  return parts.join(' ') || '0 s';
}
