import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  checkManifests,
  checkRestrictedPodSecurity,
  type CheckOptions,
  expectValidManifests,
  loadManifestDir,
  type ManifestProblem,
} from './manifests';
import { compareQuantities, isWholeQuantity, parseQuantity } from './quantity';

/** A manifest as plain JSON. */
type Json = Record<string, unknown>;

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Splits a path written like the problem paths: `spec.metrics[1].pods`, `limits["nvidia.com/gpu"]`. */
function segments(p: string): (string | number)[] {
  return [...p.matchAll(/([^.[\]]+)|\[(\d+)\]|\["([^"]*)"\]/g)].map((m) =>
    m[2] !== undefined ? Number(m[2]) : (m[3] ?? m[1] ?? ''),
  );
}

function step(cur: unknown, seg: string | number, p: string): unknown {
  if (typeof seg === 'number' && Array.isArray(cur)) return cur[seg];
  if (typeof seg === 'string' && isJson(cur)) return cur[seg];
  throw new Error(`fixture path ${p}: cannot step into ${JSON.stringify(seg)}`);
}

/** The value at a path. */
function get(root: unknown, p: string): unknown {
  return segments(p).reduce((cur, seg) => step(cur, seg, p), root);
}

/** The object at a path. */
function rec(root: unknown, p: string): Json {
  const v = get(root, p);
  if (!isJson(v)) throw new Error(`fixture path ${p} is not an object`);
  return v;
}

/** The array at a path. */
function list(root: unknown, p: string): unknown[] {
  const v = get(root, p);
  if (!Array.isArray(v)) throw new Error(`fixture path ${p} is not an array`);
  return v;
}

/** Marks a field to delete in {@link edited}. */
const DELETE = Symbol('delete');

/** Sets (or, with DELETE, removes) the value at a path; the parent must exist. */
function set(root: unknown, p: string, value: unknown): void {
  const segs = segments(p);
  const last = segs[segs.length - 1];
  const parent = segs.slice(0, -1).reduce((cur, seg) => step(cur, seg, p), root);
  if (typeof last === 'number' && Array.isArray(parent)) {
    if (value === DELETE) parent.splice(last, 1);
    else parent[last] = value;
  } else if (typeof last === 'string' && isJson(parent)) {
    if (value === DELETE) delete parent[last];
    else parent[last] = value;
  } else {
    throw new Error(`fixture path ${p}: no parent`);
  }
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Pod spec and first container of the Deployment. */
const POD = 'spec.template.spec';
const C = `${POD}.containers[0]`;
const HPA = 'HorizontalPodAutoscaler';

/** A valid inference stack: every test starts from a fresh copy and breaks one thing. */
function baseline(): Json[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'inference', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'llm', namespace: 'inference' } },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'llm-config', namespace: 'inference' },
      data: { MODEL: 'meta-llama/Llama-3.1-8B-Instruct', 'max-model-len': '8192' },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'llm', namespace: 'inference', labels: { 'app.kubernetes.io/name': 'llm' } },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'llm' } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': 'llm', 'app.kubernetes.io/component': 'server' } },
          spec: {
            serviceAccountName: 'llm',
            terminationGracePeriodSeconds: 60,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
            nodeSelector: { 'nvidia.com/gpu.present': 'true' },
            containers: [
              {
                name: 'server',
                image: 'vllm/vllm-openai:v0.6.3',
                args: ['--port', '8000'],
                ports: [
                  { name: 'http', containerPort: 8000, protocol: 'TCP' },
                  { name: 'metrics', containerPort: 9090 },
                ],
                envFrom: [{ configMapRef: { name: 'llm-config' } }],
                env: [
                  { name: 'HF_HOME', value: '/cache' },
                  { name: 'MAX_LEN', valueFrom: { configMapKeyRef: { name: 'llm-config', key: 'max-model-len' } } },
                  { name: 'HF_TOKEN', valueFrom: { secretKeyRef: { name: 'hf-token', key: 'token', optional: true } } },
                ],
                resources: {
                  requests: { cpu: '2', memory: '16Gi', 'nvidia.com/gpu': '1' },
                  limits: { cpu: '4000m', memory: '16Gi', 'nvidia.com/gpu': '1' },
                },
                readinessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 5 },
                livenessProbe: { httpGet: { path: '/health', port: 'http' }, failureThreshold: 3 },
                startupProbe: { httpGet: { path: '/health', port: 8000 }, failureThreshold: 60, periodSeconds: 10 },
                lifecycle: { preStop: { sleep: { seconds: 5 } } },
                volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              },
            ],
            volumes: [{ name: 'cache', emptyDir: { sizeLimit: '50Gi' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'llm', namespace: 'inference' },
      spec: {
        selector: { 'app.kubernetes.io/name': 'llm' },
        ports: [
          { name: 'http', port: 80, targetPort: 'http' },
          { name: 'metrics', port: 9090, targetPort: 'metrics' },
        ],
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'llm', namespace: 'inference' },
      spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'llm' } } },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'llm', namespace: 'inference' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'llm' },
        minReplicas: 1,
        maxReplicas: 8,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
          {
            type: 'Pods',
            pods: { metric: { name: 'vllm_num_requests_waiting' }, target: { type: 'AverageValue', averageValue: '5' } },
          },
          {
            type: 'External',
            external: {
              metric: { name: 'queue_depth', selector: { matchLabels: { queue: 'llm' } } },
              target: { type: 'AverageValue', averageValue: '30' },
            },
          },
        ],
        behavior: {
          scaleUp: {
            stabilizationWindowSeconds: 0,
            selectPolicy: 'Max',
            policies: [
              { type: 'Pods', value: 4, periodSeconds: 15 },
              { type: 'Percent', value: 100, periodSeconds: 15 },
            ],
          },
          scaleDown: {
            stabilizationWindowSeconds: 300,
            selectPolicy: 'Min',
            policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }],
          },
        },
      },
    },
  ];
}

/** The object of a kind in a set (the baseline has one of each). */
function ofKind(objects: readonly Json[], kind: string): Json {
  const o = objects.find((x) => x.kind === kind);
  if (!o) throw new Error(`no ${kind} in fixture`);
  return o;
}

/** The baseline with edits applied: `[kind, path, value]`, value DELETE removes the field. */
function edited(...edits: readonly (readonly [kind: string, path: string, value: unknown])[]): Json[] {
  const objects = baseline();
  for (const [kind, p, value] of edits) set(ofKind(objects, kind), p, value);
  return objects;
}

/** The baseline without the objects of a kind. */
function without(kind: string): Json[] {
  return baseline().filter((o) => o.kind !== kind);
}

/** Runs the checks and returns the problems, asserting that at least one matches. */
function expectProblem(
  objects: readonly unknown[],
  match: { object?: string; path?: string | RegExp; message: RegExp },
  options?: CheckOptions,
): ManifestProblem[] {
  const problems = checkManifests(objects, options);
  const hit = problems.find(
    (p) =>
      (match.object === undefined || p.object === match.object) &&
      (match.path === undefined || (typeof match.path === 'string' ? p.path === match.path : match.path.test(p.path))) &&
      match.message.test(p.message),
  );
  if (!hit) {
    const got = problems.map((p) => `${p.object}: ${p.path}: ${p.message}`).join('\n') || '(none)';
    throw new Error(`expected a problem matching ${String(match.message)} at ${String(match.path)}; got:\n${got}`);
  }
  return problems;
}

describe('checkManifests: baseline', () => {
  it('accepts the valid inference stack with zero problems', () => {
    expect(checkManifests(baseline())).toEqual([]);
    expect(() => expectValidManifests(baseline())).not.toThrow();
  });

  it('throws one Error listing every problem, one per line', () => {
    const objects = edited([HPA, 'spec.maxReplicas', 0], ['Deployment', `${C}.resources.limits.memory`, '8Gi']);
    let message = '';
    try {
      expectValidManifests(objects);
    } catch (e) {
      message = e instanceof Error ? e.message : String(e);
    }
    const lines = message.split('\n');
    expect(lines[0]).toMatch(/^\d+ manifest problems:$/);
    expect(lines).toContainEqual(expect.stringMatching(/^HorizontalPodAutoscaler inference\/llm: spec\.maxReplicas: maxReplicas is 0/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^Deployment inference\/llm: spec\.template\.spec\.containers\[0\]\.resources\.requests\.memory: .*16Gi.*8Gi/),
    );
  });

  it('expands List objects', () => {
    expect(checkManifests([{ apiVersion: 'v1', kind: 'List', items: baseline() }])).toEqual([]);
  });

  it('reports things that are not Kubernetes objects', () => {
    const problems = checkManifests([5, {}, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }]);
    expect(problems.map((p) => `${p.object}: ${p.path}`)).toEqual([
      'object #0: ',
      'object #1: apiVersion',
      'object #1: kind',
      'Pod p: spec',
    ]);
  });
});

describe('schema validation (kubernetes-models)', () => {
  it('reports a string where an integer is required', () => {
    expectProblem(edited(['Deployment', 'spec.replicas', '3']), {
      object: 'Deployment inference/llm',
      path: 'spec.replicas',
      message: /replicas is string "3"; must be of type integer/,
    });
    expectProblem(edited(['Deployment', `${C}.ports[0].containerPort`, 'http']), {
      path: `${C}.ports[0].containerPort`,
      message: /containerPort is string "http"; must be of type integer/,
    });
  });

  it('reports a missing required field', () => {
    expectProblem(edited([HPA, 'spec.maxReplicas', DELETE]), { path: 'spec.maxReplicas', message: /required field maxReplicas is missing/ });
  });

  it('reports a quantity the API server cannot parse', () => {
    expectProblem(edited(['Deployment', `${C}.resources.limits.cpu`, 'four']), {
      path: `${C}.resources.limits.cpu`,
      message: /cpu is string "four"; must be of type number or must match format "quantity"/,
    });
  });

  it('reports a quantity suffix the schema format accepts but the API server does not', () => {
    expectProblem(edited(['Deployment', `${C}.resources.limits.memory`, '16h']), {
      path: `${C}.resources.limits.memory`,
      message: /limits\.memory is "16h"; must be a Kubernetes quantity/,
    });
  });

  it('reports a non-string label value (e.g. an unquoted YAML 1.1 `on`)', () => {
    expectProblem(edited(['Deployment', 'metadata.labels.enabled', true]), { path: 'metadata.labels.enabled', message: /must be of type string/ });
  });

  it('reports kinds not served by Kubernetes 1.33', () => {
    expectProblem(edited([HPA, 'apiVersion', 'autoscaling/v2beta2']), { path: 'apiVersion', message: /alpha and beta APIs are not served/ });
    expectProblem(edited(['Deployment', 'apiVersion', 'extensions/v1']), {
      path: 'apiVersion',
      message: /extensions\/v1 Deployment is not a kind served by Kubernetes 1\.33/,
    });
  });
});

describe('unknown fields (@kubernetes/client-node models)', () => {
  it('reports a typo such as averageValues with its full path and a suggestion', () => {
    const problems = expectProblem(
      edited([HPA, 'spec.metrics[1].pods.target.averageValues', '5'], [HPA, 'spec.metrics[1].pods.target.averageValue', DELETE]),
      {
        path: 'spec.metrics[1].pods.target.averageValues',
        message: /averageValues is not a field of V2MetricTarget.*did you mean averageValue\?/,
      },
    );
    // The now missing averageValue is reported by the HPA rules too.
    expect(problems.some((p) => p.path === 'spec.metrics[1].pods.target.averageValue')).toBe(true);
  });

  it('reports a field at the wrong level', () => {
    // stabilizationWindowSeconds belongs to scaleUp/scaleDown, not to behavior
    expectProblem(edited([HPA, 'spec.behavior.stabilizationWindowSeconds', 60]), {
      path: 'spec.behavior.stabilizationWindowSeconds',
      message: /not a field of V2HorizontalPodAutoscalerBehavior.*known fields: scaleDown, scaleUp/,
    });
    // resources belongs to the container, not to the pod spec
    expectProblem(edited(['Deployment', `${POD}.resource`, { limits: { cpu: '1' } }]), {
      path: `${POD}.resource`,
      message: /resource is not a field of V1PodSpec.*did you mean resources\?/,
    });
  });

  it('reports unknown top-level and metadata fields', () => {
    const objects = edited(['Service', 'specs', {}], ['Service', 'metadata.label', { a: 'b' }]);
    expectProblem(objects, { path: 'specs', message: /specs is not a field of V1Service.*did you mean spec\?/ });
    expectProblem(objects, { path: 'metadata.label', message: /not a field of V1ObjectMeta.*did you mean labels\?/ });
  });
});

describe('names, labels and duplicates', () => {
  it('reports a label value longer than 63 characters', () => {
    expectProblem(edited(['Deployment', 'metadata.labels.model', 'x'.repeat(64)]), {
      path: 'metadata.labels.model',
      message: /label value "x{20,}.*must be no more than 63 characters \(has 64\)/,
    });
  });

  it('reports invalid label keys and values, also in pod templates', () => {
    expectProblem(edited(['Deployment', 'metadata.labels["Example.com/app"]', 'ok']), {
      path: 'metadata.labels["Example.com/app"]',
      message: /label key "Example.com\/app" is invalid: prefix part must be a lowercase RFC 1123 subdomain/,
    });
    expectProblem(edited(['Deployment', 'spec.template.metadata.labels.version', 'v1.0-']), {
      path: 'spec.template.metadata.labels.version',
      message: /label value "v1\.0-" is invalid/,
    });
  });

  it('applies the name rule of each kind', () => {
    expectProblem(edited(['Service', 'metadata.name', '1llm']), { object: 'Service inference/1llm', path: 'metadata.name', message: /DNS-1035 label/ });
    expectProblem(edited(['Namespace', 'metadata.name', 'inference.prod']), { path: 'metadata.name', message: /DNS-1123 label/ });
    expectProblem(edited([HPA, 'metadata.name', 'LLM']), { path: 'metadata.name', message: /DNS-1123 subdomain/ });
    // RBAC names may contain ':'
    const rbac = [
      ...baseline(),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'llm:auth-delegator' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
        subjects: [{ kind: 'ServiceAccount', name: 'llm', namespace: 'inference' }],
      },
    ];
    expect(checkManifests(rbac)).toEqual([]);
  });

  it('reports a duplicate object', () => {
    const objects = baseline();
    objects.push(clone(ofKind(objects, 'Service')));
    expectProblem(objects, {
      object: 'Service inference/llm',
      path: 'metadata.name',
      message: /duplicate object: object #4 has the same API group, kind, namespace and name/,
    });
  });

  it('accepts the same name in another namespace or for another kind', () => {
    const objects = baseline();
    const other = clone(ofKind(objects, 'ConfigMap'));
    set(other, 'metadata.namespace', 'default');
    objects.push(other, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'llm-config', namespace: 'inference' }, stringData: { a: 'b' } });
    expect(checkManifests(objects)).toEqual([]);
  });
});

describe('workload rules', () => {
  it('reports a selector that does not match the pod template labels', () => {
    expectProblem(edited(['Deployment', 'spec.selector.matchLabels', { 'app.kubernetes.io/name': 'llm-server' }]), {
      path: 'spec.selector',
      message: /does not match template labels/,
    });
  });

  it('reports an empty selector', () => {
    expectProblem(edited(['Deployment', 'spec.selector', {}]), { path: 'spec.selector', message: /empty selector is invalid for a Deployment/ });
  });

  it('reports a limit below its request, comparing quantities exactly', () => {
    expectProblem(edited(['Deployment', `${C}.resources.requests.cpu`, '4500m']), {
      path: `${C}.resources.requests.cpu`,
      message: /requests\.cpu is "4500m", above limits\.cpu "4000m"/,
    });
    // 4 == 4000m, 16Gi == 17179869184, numbers are quantities too
    const equal = edited(['Deployment', `${C}.resources.requests`, { cpu: '4', memory: 17179869184, 'nvidia.com/gpu': 1 }]);
    expect(checkManifests(equal)).toEqual([]);
  });

  it('reports a fractional GPU', () => {
    expectProblem(edited(['Deployment', `${C}.resources.limits["nvidia.com/gpu"]`, '0.5'], ['Deployment', `${C}.resources.requests["nvidia.com/gpu"]`, DELETE]), {
      path: `${C}.resources.limits["nvidia.com/gpu"]`,
      message: /"0\.5"; extended resources must be whole numbers/,
    });
    expectProblem(edited(['Deployment', `${C}.resources.limits["nvidia.com/gpu"]`, '500m'], ['Deployment', `${C}.resources.requests["nvidia.com/gpu"]`, '500m']), {
      path: `${C}.resources.requests["nvidia.com/gpu"]`,
      message: /extended resources must be whole numbers/,
    });
  });

  it('reports a GPU request that differs from its limit, or has no limit', () => {
    expectProblem(edited(['Deployment', `${C}.resources.limits["nvidia.com/gpu"]`, '2']), {
      path: `${C}.resources.requests["nvidia.com/gpu"]`,
      message: /request must equal the limit/,
    });
    expectProblem(edited(['Deployment', `${C}.resources.limits["nvidia.com/gpu"]`, DELETE]), {
      path: `${C}.resources.limits["nvidia.com/gpu"]`,
      message: /a limit must be set for nvidia\.com\/gpu/,
    });
    // A GPU limit alone is fine: the request defaults to the limit.
    expect(checkManifests(edited(['Deployment', `${C}.resources.requests["nvidia.com/gpu"]`, DELETE]))).toEqual([]);
  });

  it('reports a non-standard resource name', () => {
    expectProblem(edited(['Deployment', `${C}.resources.limits.gpu`, '1']), { message: /resource name "gpu" is not a standard container resource/ });
  });

  it('reports container port names longer than 15 characters and duplicates', () => {
    expectProblem(edited(['Deployment', `${C}.ports[1].name`, 'prometheus-metrics'], ['Service', 'spec.ports[1].targetPort', 'prometheus-metrics']), {
      path: `${C}.ports[1].name`,
      message: /port name "prometheus-metrics" must be no more than 15 characters/,
    });
    expectProblem(edited(['Deployment', `${C}.ports[1].name`, 'http']), { path: `${C}.ports[1].name`, message: /port name "http" is a duplicate/ });
  });

  it('reports duplicate and invalid container names', () => {
    const objects = baseline();
    const d = ofKind(objects, 'Deployment');
    list(d, `${POD}.containers`).push({ ...rec(d, C), name: 'server', ports: [] }, { ...rec(d, C), name: 'Side_Car', ports: [] });
    expectProblem(objects, { path: `${POD}.containers[1].name`, message: /container name "server" is a duplicate/ });
    expectProblem(objects, { path: `${POD}.containers[2].name`, message: /container name "Side_Car" must be a lowercase RFC 1123 label/ });
  });

  it('reports probes without exactly one handler', () => {
    expectProblem(edited(['Deployment', `${C}.readinessProbe`, { periodSeconds: 5 }]), {
      path: `${C}.readinessProbe`,
      message: /no handler; must specify exactly one of exec, httpGet, tcpSocket, grpc/,
    });
    expectProblem(edited(['Deployment', `${C}.livenessProbe.tcpSocket`, { port: 8000 }]), { path: `${C}.livenessProbe`, message: /handlers httpGet, tcpSocket/ });
  });

  it('reports a probe on a port name the container does not declare', () => {
    expectProblem(edited(['Deployment', `${C}.readinessProbe.httpGet.port`, 'api']), {
      path: `${C}.readinessProbe.httpGet.port`,
      message: /declares no port with that name \(declared: http, metrics\)/,
    });
  });

  it('reports liveness successThreshold other than 1', () => {
    expectProblem(edited(['Deployment', `${C}.livenessProbe.successThreshold`, 2]), { message: /successThreshold is 2; must be 1/ });
  });

  it('reports a negative terminationGracePeriodSeconds', () => {
    expectProblem(edited(['Deployment', `${POD}.terminationGracePeriodSeconds`, -1]), {
      path: `${POD}.terminationGracePeriodSeconds`,
      message: /is -1; must be greater than or equal to 0/,
    });
  });

  it('reports a volumeMount without a volume', () => {
    expectProblem(edited(['Deployment', `${C}.volumeMounts[0].name`, 'model-cache']), {
      path: `${C}.volumeMounts[0].name`,
      message: /volumeMount name "model-cache" does not match any volume of the pod \(volumes: cache\)/,
    });
  });

  it('reports a restartPolicy the workload kind does not allow', () => {
    expectProblem(edited(['Deployment', `${POD}.restartPolicy`, 'OnFailure']), {
      path: `${POD}.restartPolicy`,
      message: /restartPolicy is "OnFailure"; a Deployment pod template allows Always/,
    });
  });

  it('reports a rolling update that can make no progress', () => {
    expectProblem(edited(['Deployment', 'spec.strategy.rollingUpdate', { maxSurge: 0, maxUnavailable: '0%' }]), { message: /may not both be 0/ });
  });
});

describe('HorizontalPodAutoscaler rules (hpa-algorithm.md section 3.2)', () => {
  it('reports a Pods metric with a Value target', () => {
    const problems = checkManifests(edited([HPA, 'spec.metrics[1].pods.target', { type: 'Value', value: '5' }])).filter(
      (p) => p.object === 'HorizontalPodAutoscaler inference/llm',
    );
    expect(problems.map((p) => p.path).sort()).toEqual(['spec.metrics[1].pods.target.averageValue', 'spec.metrics[1].pods.target.type']);
    expect(problems.map((p) => p.message).join('\n')).toMatch(/a Pods metric target must be of type AverageValue/);
  });

  it('reports stabilizationWindowSeconds 3601 (max 3600)', () => {
    expectProblem(edited([HPA, 'spec.behavior.scaleDown.stabilizationWindowSeconds', 3601]), {
      path: 'spec.behavior.scaleDown.stabilizationWindowSeconds',
      message: /is 3601; must be between 0 and 3600/,
    });
    expect(checkManifests(edited([HPA, 'spec.behavior.scaleDown.stabilizationWindowSeconds', 3600]))).toEqual([]);
    expectProblem(edited([HPA, 'spec.behavior.scaleUp.stabilizationWindowSeconds', -1]), { message: /is -1; must be between 0 and 3600/ });
  });

  it.each([0, 1801, -15])('reports periodSeconds %d (allowed: (0, 1800])', (period) => {
    expectProblem(edited([HPA, 'spec.behavior.scaleUp.policies[1].periodSeconds', period]), {
      path: 'spec.behavior.scaleUp.policies[1].periodSeconds',
      message: new RegExp(`is ${period}; must be greater than 0 and at most 1800`),
    });
  });

  it('accepts periodSeconds 1800', () => {
    expect(checkManifests(edited([HPA, 'spec.behavior.scaleUp.policies[1].periodSeconds', 1800]))).toEqual([]);
  });

  it('reports a policy value of 0', () => {
    expectProblem(edited([HPA, 'spec.behavior.scaleDown.policies[0].value', 0]), {
      path: 'spec.behavior.scaleDown.policies[0].value',
      message: /is 0; must be greater than zero/,
    });
  });

  it('reports an empty policy list but accepts omitted policies (API defaulting fills them)', () => {
    expectProblem(edited([HPA, 'spec.behavior.scaleDown.policies', []]), {
      path: 'spec.behavior.scaleDown.policies',
      message: /must specify at least one policy/,
    });
    expect(checkManifests(edited([HPA, 'spec.behavior.scaleDown.policies', DELETE]))).toEqual([]);
  });

  it('reports an invalid selectPolicy and policy type', () => {
    expectProblem(edited([HPA, 'spec.behavior.scaleUp.selectPolicy', 'Maximum']), {
      path: 'spec.behavior.scaleUp.selectPolicy',
      message: /must be Max, Min or Disabled/,
    });
    expectProblem(edited([HPA, 'spec.behavior.scaleUp.policies[0].type', 'Replicas']), {
      path: 'spec.behavior.scaleUp.policies[0].type',
      message: /must be Pods or Percent/,
    });
  });

  it('reports minReplicas 0 unless scale-to-zero is enabled and an Object/External metric exists', () => {
    const zero = edited([HPA, 'spec.minReplicas', 0]);
    expectProblem(zero, { path: 'spec.minReplicas', message: /minReplicas is 0; must be at least 1/ });
    expect(checkManifests(zero, { featureGates: { HPAScaleToZero: true } })).toEqual([]);
    const zeroWithoutExternal = edited([HPA, 'spec.minReplicas', 0], [HPA, 'spec.metrics[2]', DELETE]);
    expectProblem(zeroWithoutExternal, { path: 'spec.minReplicas', message: /without an Object or External metric/ }, { featureGates: { HPAScaleToZero: true } });
  });

  it('reports maxReplicas below minReplicas', () => {
    expectProblem(edited([HPA, 'spec.minReplicas', 4], [HPA, 'spec.maxReplicas', 2]), {
      path: 'spec.maxReplicas',
      message: /maxReplicas is 2, below minReplicas 4/,
    });
  });

  it('reports averageUtilization below 1 and on a metric type that does not support it', () => {
    expectProblem(edited([HPA, 'spec.metrics[0].resource.target.averageUtilization', 0]), {
      path: 'spec.metrics[0].resource.target.averageUtilization',
      message: /is 0; must be greater than 0/,
    });
    expectProblem(edited([HPA, 'spec.metrics[2].external.target', { type: 'Utilization', averageUtilization: 50 }]), {
      path: 'spec.metrics[2].external.target.averageUtilization',
      message: /only Resource and ContainerResource metrics support utilization/,
    });
  });

  it('reports non-positive target values', () => {
    expectProblem(edited([HPA, 'spec.metrics[1].pods.target.averageValue', '0']), {
      path: 'spec.metrics[1].pods.target.averageValue',
      message: /averageValue is "0"; must be positive/,
    });
    expectProblem(edited([HPA, 'spec.metrics[2].external.target.averageValue', '-3']), {
      path: 'spec.metrics[2].external.target.averageValue',
      message: /must be positive/,
    });
  });

  it('reports a Resource metric with both averageUtilization and averageValue', () => {
    expectProblem(edited([HPA, 'spec.metrics[0].resource.target.averageValue', '500m']), {
      path: 'spec.metrics[0].resource.target',
      message: /sets averageUtilization and averageValue; may set only one of them/,
    });
  });

  it('reports an External metric with both value and averageValue, and one with neither', () => {
    expectProblem(edited([HPA, 'spec.metrics[2].external.target.value', '100']), {
      path: 'spec.metrics[2].external.target',
      message: /may set only one of them/,
    });
    expectProblem(edited([HPA, 'spec.metrics[2].external.target', { type: 'Value' }]), {
      path: /^spec\.metrics\[2\]\.external\.target/,
      message: /must set exactly one of them/,
    });
  });

  it('reports a target type that does not match the field given', () => {
    expectProblem(edited([HPA, 'spec.metrics[2].external.target', { type: 'Value', averageValue: '30' }]), {
      path: 'spec.metrics[2].external.target.averageValue',
      message: /target\.type is Value; a Value target uses target\.value/,
    });
    expectProblem(edited([HPA, 'spec.metrics[0].resource.target', { type: 'AverageValue', averageUtilization: 70 }]), {
      path: 'spec.metrics[0].resource.target.averageUtilization',
      message: /target\.type is AverageValue/,
    });
  });

  it('reports a metric whose type and populated member disagree, and unknown types', () => {
    const problems = expectProblem(edited([HPA, 'spec.metrics[1].type', 'Object']), {
      path: 'spec.metrics[1].pods',
      message: /must populate the given metric source only \(object\)/,
    });
    expect(problems).toContainEqual(expect.objectContaining({ path: 'spec.metrics[1].object', message: expect.stringMatching(/an Object metric must populate object/) }));
    expectProblem(edited([HPA, 'spec.metrics[1].type', 'Custom']), {
      path: 'spec.metrics[1].type',
      message: /must be one of Object, Pods, Resource, External, ContainerResource/,
    });
  });

  it('reports tolerance unless HPAConfigurableTolerance is enabled', () => {
    const objects = edited([HPA, 'spec.behavior.scaleUp.tolerance', '0.05']);
    expectProblem(objects, { path: 'spec.behavior.scaleUp.tolerance', message: /HPAConfigurableTolerance/ });
    expect(checkManifests(objects, { featureGates: { HPAConfigurableTolerance: true } })).toEqual([]);
  });

  it('reports a Utilization metric on pods without requests for that resource', () => {
    expectProblem(edited(['Deployment', `${C}.resources.requests.cpu`, DELETE], ['Deployment', `${C}.resources.limits.cpu`, DELETE]), {
      path: 'spec.metrics[0].resource',
      message: /container "server" of Deployment llm has no cpu request/,
    });
  });
});

describe('references inside the set', () => {
  it('reports an HPA whose scale target is not in the set, unless declared external', () => {
    const objects = edited([HPA, 'spec.scaleTargetRef.name', 'llm-v2']);
    expectProblem(objects, {
      path: 'spec.scaleTargetRef',
      message: /"apps\/v1" Deployment\/llm-v2 does not name an object of the set in namespace "inference"/,
    });
    expect(checkManifests(objects, { externalRefs: ['Deployment/inference/llm-v2'] })).toEqual([]);
    expect(checkManifests(objects, { externalRefs: ['Deployment/*'] })).toEqual([]);
  });

  it('reports an HPA target in another namespace or of another group', () => {
    expectProblem(edited([HPA, 'metadata.namespace', 'default']), {
      object: 'HorizontalPodAutoscaler default/llm',
      path: 'spec.scaleTargetRef',
      message: /does not name an object/,
    });
    expectProblem(edited([HPA, 'spec.scaleTargetRef.apiVersion', 'argoproj.io/v1alpha1']), { path: 'spec.scaleTargetRef', message: /does not name an object/ });
  });

  it('reports an HPA scaling a kind without a scale subresource', () => {
    expectProblem(edited([HPA, 'spec.scaleTargetRef.kind', 'ConfigMap'], [HPA, 'spec.scaleTargetRef.name', 'llm-config'], [HPA, 'spec.scaleTargetRef.apiVersion', 'v1']), {
      path: 'spec.scaleTargetRef.kind',
      message: /has no scale subresource/,
    });
  });

  it('reports a Service whose named targetPort no pod declares', () => {
    expectProblem(edited(['Service', 'spec.ports[0].targetPort', 'https']), {
      path: 'spec.ports[0].targetPort',
      message: /targetPort is "https" \(TCP\), but the pods of Deployment llm declare no TCP container port named "https"/,
    });
  });

  it('reports a Service whose selector matches no pod template', () => {
    const objects = edited(['Service', 'spec.selector', { app: 'vllm' }]);
    expectProblem(objects, { path: 'spec.selector', message: /matches no pod template/ });
    expect(checkManifests(objects, { externalRefs: ['Pod/inference/*'] })).toEqual([]);
  });

  it('reports a NetworkPolicy that guards no pod, opens an undeclared port, or admits no pod of the set', () => {
    const policy = (spec: Json): Json[] => [...baseline(), { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'llm', namespace: 'inference' }, spec }];
    const sound = {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'llm' } },
      policyTypes: ['Ingress'],
      ingress: [{ ports: [{ protocol: 'TCP', port: 8000 }], from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/component': 'server' } } }, { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } } }] }],
    };
    expect(checkManifests(policy(sound))).toEqual([]);
    expectProblem(policy({ ...sound, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'vllm' } } }), {
      path: 'spec.podSelector',
      message: /^podSelector \{"matchLabels":\{"app.kubernetes.io\/name":"vllm"\}\} matches no pod template of the set in namespace "inference"; the NetworkPolicy guards nothing$/,
    });
    expectProblem(policy({ ...sound, ingress: [{ ports: [{ protocol: 'TCP', port: 8001 }] }] }), {
      path: 'spec.ingress[0].ports[0]',
      message: /^port 8001 \(TCP\) is declared by no container of Deployment llm; the rule opens nothing there$/,
    });
    expectProblem(policy({ ...sound, ingress: [{ ports: [{ port: 8000 }], from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'inference' } }, podSelector: { matchLabels: { app: 'gateway' } } }] }] }), {
      path: 'spec.ingress[0].from[0]',
      message: /^podSelector \{"matchLabels":\{"app":"gateway"\}\} matches no pod template of the set in namespace "inference"; the peer admits nobody$/,
    });
  });

  it('reports a missing ServiceAccount', () => {
    expectProblem(without('ServiceAccount'), { path: `${POD}.serviceAccountName`, message: /no ServiceAccount "llm" is in the set/ });
    expect(checkManifests(without('ServiceAccount'), { externalRefs: ['ServiceAccount/inference/llm'] })).toEqual([]);
  });

  it('reports a missing ConfigMap and a missing ConfigMap key, but not optional references', () => {
    expectProblem(without('ConfigMap'), { path: `${C}.envFrom[0].configMapRef`, message: /ConfigMap "llm-config" is referenced but not in the set/ });
    expect(checkManifests(without('ConfigMap'), { externalRefs: ['ConfigMap/inference/llm-config'] })).toEqual([]);
    expectProblem(edited(['Deployment', `${C}.env[1].valueFrom.configMapKeyRef.key`, 'max_model_len']), {
      path: `${C}.env[1].valueFrom.configMapKeyRef`,
      message: /has no key "max_model_len"/,
    });
    expect(checkManifests(edited(['Deployment', `${C}.envFrom[0].configMapRef.optional`, true]))).toEqual([]);
  });

  it('reports a Secret volume that is not in the set', () => {
    const objects = baseline();
    list(ofKind(objects, 'Deployment'), `${POD}.volumes`).push({ name: 'tls', secret: { secretName: 'llm-tls' } });
    expectProblem(objects, { path: `${POD}.volumes[1].secret`, message: /Secret "llm-tls" is referenced but not in the set/ });
  });

  it('reports a PDB that selects nothing, sets both bounds, or lacks a selector', () => {
    expectProblem(edited(['PodDisruptionBudget', 'spec.selector.matchLabels', { app: 'other' }]), { path: 'spec.selector', message: /protects nothing/ });
    expectProblem(edited(['PodDisruptionBudget', 'spec.minAvailable', '50%']), { path: 'spec', message: /are both set; set exactly one/ });
    expectProblem(edited(['PodDisruptionBudget', 'spec.selector', DELETE]), { path: 'spec.selector', message: /selector is unset/ });
    expectProblem(edited(['PodDisruptionBudget', 'spec.maxUnavailable', '150%']), { message: /must not be greater than 100%/ });
  });

  it('reports a PDB that allows no eviction of a workload with stated replicas: node drains would never finish', () => {
    const stated = (pdb: Json, replicas = 2): Json[] => edited(['Deployment', 'spec.replicas', replicas], ['PodDisruptionBudget', 'spec', { ...pdb, selector: { matchLabels: { 'app.kubernetes.io/name': 'llm' } } }]);
    expect(checkManifests(stated({ minAvailable: 1 }))).toEqual([]);
    expect(checkManifests(stated({ maxUnavailable: '10%' }))).toEqual([]);
    expect(checkManifests(stated({ minAvailable: '50%' }))).toEqual([]);
    expectProblem(stated({ minAvailable: 2 }), {
      object: 'PodDisruptionBudget inference/llm', path: 'spec.minAvailable',
      message: /^minAvailable is 2, but Deployment\/llm has 2 replicas: no pod may ever be evicted, so node drains never finish; allow at least one disruption$/,
    });
    expectProblem(stated({ minAvailable: '60%' }), { path: 'spec.minAvailable', message: /^minAvailable is "60%", but Deployment\/llm has 2 replicas/ });
    expectProblem(stated({ maxUnavailable: 0 }, 3), { path: 'spec.maxUnavailable', message: /^maxUnavailable is 0 of 3 replicas \(Deployment\/llm\): no pod may ever be evicted/ });
    // An HPA-owned Deployment states no replicas: the budget is left to the HPA's floor.
    expect(checkManifests(edited(['PodDisruptionBudget', 'spec', { minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'llm' } } }]))).toEqual([]);
  });

  it('reports ClusterRole aggregation labels that aggregate nowhere, and writes aggregated into view', () => {
    const role = (labels: Record<string, string>, verbs: string[] = ['get', 'list', 'watch']): Json[] => [{
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:aggregated-metrics-reader', labels },
      rules: [{ apiGroups: ['metrics.k8s.io'], resources: ['pods', 'nodes'], verbs }],
    }];
    const upstream = { 'rbac.authorization.k8s.io/aggregate-to-view': 'true', 'rbac.authorization.k8s.io/aggregate-to-edit': 'true', 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' };
    expect(checkManifests(role(upstream))).toEqual([]);
    expectProblem(role({ 'rbac.authorization.k8s.io/aggregate-to-viewer': 'true' }), {
      path: 'metadata.labels["rbac.authorization.k8s.io/aggregate-to-viewer"]',
      message: /^label rbac.authorization.k8s.io\/aggregate-to-viewer aggregates into "viewer", which no bootstrap ClusterRole aggregates; use aggregate-to-admin, aggregate-to-edit or aggregate-to-view$/,
    });
    expectProblem(role({ 'rbac.authorization.k8s.io/aggregate-to-edit': 'yes' }), {
      message: /^label rbac.authorization.k8s.io\/aggregate-to-edit is "yes"; the aggregating ClusterRoles select "true", so this role is aggregated nowhere$/,
    });
    expectProblem(role(upstream, ['get', 'delete']), {
      path: 'rules[0].verbs',
      message: /^verbs include "delete", but the role is aggregated into view: every read-only user would gain them; grant only get, list and watch$/,
    });
    expect(checkManifests(role({ 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }, ['get', 'delete']))).toEqual([]);
  });

  it('reports a RoleBinding to a Role that is not in the set', () => {
    const objects: Json[] = [
      ...baseline(),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'llm-reader', namespace: 'inference' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'llm-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'llm' }],
      },
    ];
    expectProblem(objects, { object: 'RoleBinding inference/llm-reader', path: 'roleRef', message: /roleRef Role "llm-reader" is not in the set/ });
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'llm-reader', namespace: 'inference' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    });
    expect(checkManifests(objects)).toEqual([]);
  });

  it('checks an APIService and the Service it points at', () => {
    const apiService: Json = {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.external.metrics.k8s.io' },
      spec: {
        group: 'external.metrics.k8s.io',
        version: 'v1beta1',
        service: { name: 'llm', namespace: 'inference', port: 443 },
        groupPriorityMinimum: 100,
        versionPriority: 100,
        insecureSkipTLSVerify: true,
      },
    };
    const objects: Json[] = [...baseline(), apiService];
    expectProblem(objects, { object: 'APIService v1beta1.external.metrics.k8s.io', path: 'spec.service.port', message: /exposes no such port/ });
    list(ofKind(objects, 'Service'), 'spec.ports').push({ name: 'https', port: 443, targetPort: 'http' });
    expect(checkManifests(objects)).toEqual([]);
    set(apiService, 'metadata.name', 'v1beta1.custom.metrics.k8s.io');
    expectProblem(objects, { path: 'metadata.name', message: /must be named <version>\.<group>, here "v1beta1\.external\.metrics\.k8s\.io"/ });
  });

  it('reports an APIService whose service certificate the API server cannot verify', () => {
    const apiService: Json = {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1beta1.metrics.k8s.io' },
      spec: { group: 'metrics.k8s.io', version: 'v1beta1', service: { name: 'llm', namespace: 'inference', port: 80 }, groupPriorityMinimum: 100, versionPriority: 100 },
    };
    const objects: Json[] = [...baseline(), apiService];
    expectProblem(objects, {
      object: 'APIService v1beta1.metrics.k8s.io', path: 'spec',
      message: /^neither caBundle nor insecureSkipTLSVerify is set \(nor a cert-manager.io\/inject-ca-from annotation to fill caBundle\): the API server cannot verify the service's certificate, so the APIService never becomes Available$/,
    });
    set(apiService, 'metadata.annotations', { 'cert-manager.io/inject-ca-from': 'inference/llm-serving-cert' });
    expect(checkManifests(objects)).toEqual([]);
  });
});

describe('storage, priority and writable paths', () => {
  const claim = (spec: Json): Json => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'inference' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } }, ...spec } });
  const storageClass = (name: string, isDefault = false): Json => ({
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name, ...(isDefault ? { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } } : {}) }, provisioner: 'ebs.csi.aws.com',
  });

  it('reports a claim without storageClassName when the cluster has no default StorageClass', () => {
    const objects = [...baseline(), claim({})];
    expectProblem(objects, { object: 'PersistentVolumeClaim inference/data', path: 'spec.storageClassName', message: /^storageClassName is unset and no StorageClass is the cluster's default .*; the claim would stay Pending on a cluster without one, such as a new EKS cluster\. Name a StorageClass$/ });
    expect(checkManifests(objects, { defaultStorageClass: true })).toEqual([]);
    expect(checkManifests([...objects, storageClass('gp3', true)])).toEqual([]);
    expect(checkManifests([...baseline(), claim({ storageClassName: '' })])).toEqual([]);
  });

  it('reports a claim naming a StorageClass that is neither in the set nor external', () => {
    const objects = [...baseline(), claim({ storageClassName: 'gp3' })];
    expectProblem(objects, { path: 'spec.storageClassName', message: /^storageClassName is "gp3", but no StorageClass "gp3" is in the set; the claim would stay Pending/ });
    expect(checkManifests([...objects, storageClass('gp3')])).toEqual([]);
    expect(checkManifests(objects, { externalRefs: ['StorageClass/gp3'] })).toEqual([]);
  });

  it('reports a pod naming a PriorityClass that does not exist, but not the system classes', () => {
    const objects = edited(['Deployment', `${POD}.priorityClassName`, 'inference-high']);
    expectProblem(objects, { path: `${POD}.priorityClassName`, message: /^priorityClassName is "inference-high", but no PriorityClass "inference-high" is in the set; pods would be refused/ });
    expect(checkManifests(objects, { externalRefs: ['PriorityClass/inference-high'] })).toEqual([]);
    expect(checkManifests([...objects, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'inference-high' }, value: 1000 }])).toEqual([]);
    expect(checkManifests(edited(['Deployment', `${POD}.priorityClassName`, 'system-cluster-critical']))).toEqual([]);
  });

  it('reports a pod volume naming a claim that does not exist', () => {
    const objects = edited(['Deployment', `${POD}.volumes[0]`, { name: 'cache', persistentVolumeClaim: { claimName: 'models' } }]);
    expectProblem(objects, { path: `${POD}.volumes[0].persistentVolumeClaim.claimName`, message: /^claimName is "models", but no PersistentVolumeClaim "models" is in the set in namespace "inference"; pods would stay Pending/ });
    expect(checkManifests(objects, { externalRefs: ['PersistentVolumeClaim/inference/models'] })).toEqual([]);
  });

  it('with readOnlyRootFilesystem, reports a written directory that is not on a writable volume', () => {
    const readOnly = (...more: readonly (readonly [string, string, unknown])[]): Json[] => edited(['Deployment', `${C}.securityContext.readOnlyRootFilesystem`, true], ...more);
    expect(checkManifests(readOnly())).toEqual([]);
    expectProblem(readOnly(['Deployment', `${C}.env[0].value`, '/root/.cache']), {
      path: `${C}.env`,
      message: /^env HF_HOME is "\/root\/.cache", on the read-only root filesystem \(no volume is mounted there\); with readOnlyRootFilesystem the program fails when it writes there/,
    });
    const readOnlyMount = readOnly(['Deployment', `${C}.volumeMounts[0].readOnly`, true]);
    expectProblem(readOnlyMount, { path: `${C}.env`, message: /^env HF_HOME is "\/cache", on the read-only volume mounted at "\/cache"/ });
    // A read-only Hugging Face cache works offline.
    const offline = readOnlyMount.map((o) => clone(o));
    list(ofKind(offline, 'Deployment'), `${C}.env`).push({ name: 'HF_HUB_OFFLINE', value: '1' });
    expect(checkManifests(offline)).toEqual([]);
    // Without readOnlyRootFilesystem, the image decides what is writable.
    expect(checkManifests(edited(['Deployment', `${C}.env[0].value`, '/root/.cache']))).toEqual([]);
  });
});

describe('Pod Security Standards "restricted"', () => {
  it('passes the baseline Deployment when called directly, without a Namespace', () => {
    expect(checkRestrictedPodSecurity(get(ofKind(baseline(), 'Deployment'), POD), POD)).toEqual([]);
  });

  it('reports each restricted violation directly', () => {
    const spec = rec(ofKind(baseline(), 'Deployment'), POD);
    set(spec, 'securityContext', {});
    set(spec, 'hostNetwork', true);
    list(spec, 'volumes').push({ name: 'models', hostPath: { path: '/models' } });
    set(spec, 'containers[0].securityContext', { privileged: true, capabilities: { add: ['SYS_ADMIN'] } });
    const messages = checkRestrictedPodSecurity(spec, POD).map((p) => `${p.path}: ${p.message}`);
    for (const expected of [
      /^spec\.template\.spec\.hostNetwork: hostNetwork is true/,
      /^spec\.template\.spec\.volumes\[1\]\.hostPath: .*hostPath volumes are not allowed/,
      /securityContext\.privileged: .*privileged is true/,
      /securityContext\.capabilities\.add\[0\]: .*"SYS_ADMIN" may not be added; allowed: NET_BIND_SERVICE/,
      /securityContext\.capabilities\.drop: .*must include "ALL"/,
      /securityContext\.allowPrivilegeEscalation: .*must be false/,
      /securityContext\.runAsNonRoot: .*one of them must be true/,
      /securityContext\.seccompProfile\.type: .*RuntimeDefault or Localhost/,
    ]) {
      expect(messages).toContainEqual(expect.stringMatching(expected));
    }
  });

  it('reports a violation in a namespace labelled enforce: restricted', () => {
    expectProblem(edited(['Deployment', `${C}.securityContext.allowPrivilegeEscalation`, true]), {
      object: 'Deployment inference/llm',
      path: `${C}.securityContext.allowPrivilegeEscalation`,
      message: /must be false \(Pod Security Standards "restricted"\)/,
    });
  });

  it('does not apply "restricted" to namespaces without the label, unless asked to', () => {
    const objects = edited(['Deployment', `${C}.securityContext`, DELETE], ['Namespace', 'metadata.labels', {}]);
    expect(checkManifests(objects)).toEqual([]);
    expectProblem(objects, { message: /capabilities\.drop/ }, { podSecurity: 'restricted' });
  });
});

describe('custom resources', () => {
  const serviceMonitor: Json = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: 'llm', namespace: 'inference' },
    spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'llm' } }, endpoints: [{ port: 'metrics' }] },
  };

  it('reports an undeclared custom resource kind', () => {
    expectProblem([...baseline(), serviceMonitor], {
      object: 'ServiceMonitor inference/llm',
      path: 'apiVersion',
      message: /not a kind served by Kubernetes 1\.33/,
    });
  });

  it('checks only the metadata of a declared custom resource', () => {
    const options: CheckOptions = { crdKinds: ['monitoring.coreos.com/v1/ServiceMonitor'] };
    expect(checkManifests([...baseline(), serviceMonitor], options)).toEqual([]);
    const bad = { ...serviceMonitor, metadata: { name: 'LLM', namespace: 'inference', labelz: {} } };
    expect(checkManifests([...baseline(), bad], options).map((p) => p.path)).toEqual(['metadata.name', 'metadata.labelz']);
  });

  it('takes custom kinds from CustomResourceDefinitions in the set', () => {
    const crd: Json = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'servicemonitors.monitoring.coreos.com' },
      spec: {
        group: 'monitoring.coreos.com',
        scope: 'Namespaced',
        names: { plural: 'servicemonitors', singular: 'servicemonitor', kind: 'ServiceMonitor', listKind: 'ServiceMonitorList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    expect(checkManifests([...baseline(), crd, serviceMonitor])).toEqual([]);
  });

  it('rejects malformed options', () => {
    expect(() => checkManifests([], { crdKinds: ['ServiceMonitor'] })).toThrow(/group\/version\/Kind/);
    expect(() => checkManifests([], { externalRefs: ['llm'] })).toThrow(/Kind\/name/);
  });
});

describe('quantities', () => {
  it.each([
    ['500m', '0.5', 0],
    ['1.5', '1500m', 0],
    ['16Gi', 17179869184, 0],
    ['1e3', '1k', 0],
    ['2k', '1999', 1],
    ['1E', '1e18', 0],
    ['100Mi', '100M', 1],
    ['0.1m', '1u', 1],
    ['-1', '0', -1],
  ] as const)('compares %s with %s', (a, b, expected) => {
    const qa = parseQuantity(a);
    const qb = parseQuantity(b);
    expect(qa && qb && Math.sign(compareQuantities(qa, qb))).toBe(expected);
  });

  it.each(['', 'abc', '1K', '1e', '1.5.5', 'Gi', '1 Gi', '1da', '1h', '.'])('rejects %j', (text) => {
    expect(parseQuantity(text)).toBeUndefined();
  });

  it('knows whole numbers', () => {
    const whole = (t: string | number): boolean | undefined => {
      const q = parseQuantity(t);
      return q && isWholeQuantity(q);
    };
    expect(['1', '2k', '1e3', '1.0', 4].map(whole)).toEqual([true, true, true, true, true]);
    expect(['500m', '1.5', '1e-1'].map(whole)).toEqual([false, false, false]);
  });
});

describe('loadManifestDir', () => {
  let dir = '';
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifests-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads every .yaml/.yml file in sorted order, multi-document, with YAML 1.1 scalars', () => {
    fs.writeFileSync(path.join(dir, 'b.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  labels:\n    enabled: on\ndata:\n  date: 2024-01-01\n');
    fs.writeFileSync(path.join(dir, 'a.yaml'), '---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n# empty\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: a\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    const objects = loadManifestDir(dir);
    expect(objects.map((o) => `${String(o.kind)}/${String(get(o, 'metadata.name'))}`)).toEqual(['Namespace/a', 'ServiceAccount/a', 'ConfigMap/b']);
    expect(get(objects[2], 'metadata.labels.enabled')).toBe(true); // as kubectl reads it
    expect(get(objects[2], 'data.date')).toBe('2024-01-01');
    expectProblem(objects, { object: 'ConfigMap b', path: 'metadata.labels.enabled', message: /must be of type string/ });
  });

  it('names the file on a YAML error', () => {
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'kind: [unclosed\n');
    expect(() => loadManifestDir(dir)).toThrow(/bad\.yaml/);
  });
});

describe('KEDA ScaledObjects (@kubernetes-models/keda)', () => {
  /** The baseline with its HPA replaced by a ScaledObject for the same Deployment. */
  function withScaledObject(edit?: (so: Json) => void): Json[] {
    const so: Json = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'llm', namespace: 'inference' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'llm' },
        minReplicaCount: 1,
        maxReplicaCount: 8,
        fallback: { failureThreshold: 3, replicas: 4 },
        triggers: [{
          type: 'prometheus',
          metricType: 'AverageValue',
          metadata: { serverAddress: 'http://prometheus.monitoring.svc:9090', query: 'sum(vllm_num_requests_waiting{namespace="inference"})', threshold: '5', activationThreshold: '0', ignoreNullValues: 'false' },
        }],
      },
    };
    edit?.(so);
    return [...without(HPA), so];
  }

  it('accepts a ScaledObject for a Deployment of the set', () => {
    expect(checkManifests(withScaledObject())).toEqual([]);
  });

  it('checks the ScaledObject against KEDA\'s CRD schema', () => {
    expectProblem(withScaledObject((so) => set(so, 'spec.minReplicaCount', 'one')), { path: 'spec.minReplicaCount', message: /integer/ });
  });

  it('reports a scale target that is not in the set', () => {
    expectProblem(withScaledObject((so) => set(so, 'spec.scaleTargetRef.name', 'llm-v2')), {
      object: 'ScaledObject inference/llm',
      path: 'spec.scaleTargetRef',
      message: /^scaleTargetRef Deployment\/llm-v2 does not name an object of the set in namespace "inference"/,
    });
  });

  it('reports an HPA and a ScaledObject scaling one Deployment', () => {
    expectProblem([...baseline(), ...withScaledObject().filter((o) => o.kind === 'ScaledObject')], {
      path: 'spec.scaleTargetRef',
      message: /^scaleTargetRef Deployment\/llm is also scaled by HorizontalPodAutoscaler llm; KEDA creates its own HPA/,
    });
  });

  it('reports trigger metadata that is not a string, and a threshold KEDA cannot parse', () => {
    expectProblem(withScaledObject((so) => set(so, 'spec.triggers[0].metadata.threshold', '5Gi')), { path: 'spec.triggers[0].metadata.threshold', message: /KEDA parses it as a decimal number/ });
    expectProblem(withScaledObject((so) => set(so, 'spec.triggers[0].metadata.ignoreNullValues', false)), { path: 'spec.triggers[0].metadata.ignoreNullValues', message: /KEDA trigger metadata values are strings/ });
  });

  it('reports a fallback next to a Value trigger, which KEDA\'s webhook rejects', () => {
    expectProblem(withScaledObject((so) => set(so, 'spec.triggers[0].metricType', 'Value')), { path: 'spec.fallback', message: /accepts a fallback only with AverageValue triggers/ });
  });
});
