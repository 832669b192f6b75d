/**
 * `promtool check config` accepts the generated Prometheus configuration. Debian's build has
 * no Kubernetes discovery, so each job's discovery is swapped for static targets carrying the
 * labels pod discovery would set; everything else (relabeling, honor_labels, intervals) is
 * checked as generated.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildPrometheusConfig, DCGM_EXPORTER_JOB, INFERENCE_PODS_JOB, PrometheusConfigOptions, prometheusConfigYaml, withStaticTargets } from '../../lib/core/prometheus-config';
import { describeWithTools, runPromtool, withTempDir } from '../support/promtool';
import { discoveredPod } from './fakes';

const DCGM = { namespace: 'gpu-system', podLabels: { 'app.kubernetes.io/name': 'dcgm-exporter' } };
const inferencePod = discoveredPod({
  namespace: 'inference', name: 'llm-5c8d7-a', ip: '10.0.1.23', nodeName: 'ip-10-0-1-23', containerPort: 8000,
  labels: { 'inferscale.io/service': 'llm' }, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8000', 'prometheus.io/path': '/metrics' },
});
const exporterPod = discoveredPod({ namespace: 'gpu-system', name: 'nvidia-dcgm-exporter-x7k2p', ip: '10.0.1.24', nodeName: 'ip-10-0-1-23', containerPort: 9400, labels: DCGM.podLabels, annotations: {} });

const VARIANTS: Record<string, PrometheusConfigOptions> = {
  defaults: {},
  'with the DCGM exporter': { dcgmExporter: DCGM },
  'restricted discovery, 1 s scrapes, external labels': { dcgmExporter: DCGM, namespaces: ['inference', 'search'], scrapeIntervalSeconds: 1, externalLabels: { cluster: 'prod-eu-1' } },
};

describeWithTools(['promtool'], 'promtool check config', ({ promtool }) => {
  for (const [name, options] of Object.entries(VARIANTS)) {
    test(`accepts the generated configuration: ${name}`, () => {
      const { config, problems } = buildPrometheusConfig(options);
      expect(problems).toEqual([]);
      const targets = { [INFERENCE_PODS_JOB]: [inferencePod], ...(options.dcgmExporter ? { [DCGM_EXPORTER_JOB]: [exporterPod] } : {}) };
      withTempDir((dir) => {
        fs.writeFileSync(path.join(dir, 'prometheus.yml'), prometheusConfigYaml(withStaticTargets(config!, targets)));
        const r = runPromtool(promtool, ['check', 'config', 'prometheus.yml'], { cwd: dir });
        expect(r.output).toContain('SUCCESS');
        expect(r.status).toBe(0);
      });
    });
  }

  test('rejects a broken relabel rule (the check has teeth)', () => {
    const { config } = buildPrometheusConfig({});
    const broken = { ...config!, scrape_configs: config!.scrape_configs.map((j) => ({ ...j, relabel_configs: [{ source_labels: ['x'], regex: '(', action: 'keep' as const }] })) };
    withTempDir((dir) => {
      fs.writeFileSync(path.join(dir, 'prometheus.yml'), prometheusConfigYaml(withStaticTargets(broken, {})));
      expect(runPromtool(promtool, ['check', 'config', 'prometheus.yml'], { cwd: dir }).status).not.toBe(0);
    });
  });
});
