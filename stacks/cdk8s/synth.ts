import * as fs from 'node:fs';
import * as path from 'node:path';
import { AIInferencePlatform } from '../../lib/cdk8s';
import { defaultApp } from './default-app';

/**
 * Synthesizes the default environment into `outdir`, and writes each platform's Grafana
 * dashboard to `outdir/dashboards/<chart id>.json` (for a Grafana without the sidecar).
 */
export function synthDefaultApp(outdir: string): void {
  const app = defaultApp(outdir);
  app.synth();
  for (const chart of app.charts) {
    const dashboard = chart instanceof AIInferencePlatform ? (chart as AIInferencePlatform).dashboard : undefined;
    if (!dashboard) continue;
    fs.mkdirSync(path.join(outdir, 'dashboards'), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'dashboards', `${chart.node.id}.json`), `${JSON.stringify(dashboard, null, 2)}\n`);
  }
}
