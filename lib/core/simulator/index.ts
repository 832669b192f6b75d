/**
 * # Autoscaling simulator
 *
 * Replays a load trace against a service's real scaling configuration (the HPA spec and the
 * Deployment facts that decide how fast capacity arrives) with a token-level model of the
 * inference engine on its GPU, and reports what users (TTFT, time per output token, end-to-end
 * latency, failures, against SLOs) and the GPU bill (node-hours, against two lower bounds)
 * would see. Pure and framework-free: no cdk8s, no Pulumi, and no I/O except
 * {@link readNamedTrace}, which reads the traces shipped in the package.
 *
 * ```ts
 * import { simulator, resolveInferenceService } from 'inferscale';
 * const service = simulator.serviceFromResolved(resolveInferenceService(props, 'llm').service!);
 * const trace = simulator.readNamedTrace('conv');
 * const { summary } = simulator.simulate(service, trace, { serving: { profile: 'llama-3.1-8b/a100-40gb' } });
 * ```
 *
 * ## The parts, one module each
 *
 * - **Serving profiles** (`profiles/`): model × GPU × engine × tensor parallelism as data —
 *   prefill rate, a decode step that grows with batch and context, KV-cache tokens, limits —
 *   each citing the data sheet, model config and published measurement it comes from
 *   ({@link SERVING_PROFILES}); {@link fitProfile} fits one to `vllm bench serve` results.
 * - **Serving** (`serving.ts`): continuous batching per replica at 1 s steps — waiting queue,
 *   admission by max sequences and KV cache, chunked prefill sharing the GPU with decode,
 *   preemption, client timeouts ({@link Replica}). Routing (`routing.ts`): whole requests in
 *   turn (a Service) or to the least loaded (a gateway) across ready replicas. The workload (`workload.ts`): each second's mean prompt
 *   and output lengths from the trace's token columns.
 * - **Engine metrics** (`engine-metrics.ts`): what a pod exposes, by series name — vLLM's
 *   counters, gauges and histograms with their buckets, the catalogue's default names, DCGM —
 *   and the scrapes Prometheus keeps per pod ({@link EXPOSED_SERIES}).
 * - **Scrapes** (`scrapes.ts`): scrape times, `rate()` with Prometheus' extrapolation,
 *   `histogram_quantile()` ({@link promRate}, {@link histogramQuantile}).
 * - **Cluster** (`cluster.ts`): pods from creation through scheduling, node provisioning,
 *   image pull, model load and startup probe to ready and terminating; nodes, the cluster
 *   autoscaler, spread start-up times; crashes and spot notices.
 * - **Controller loop** (`controller-loop.ts`): every sync period each metric is read through
 *   its series as the adapter or metrics-server would serve it, then {@link hpa.sync}.
 * - **Faults** (`faults.ts`), **bounds** (`bounds.ts`: instant and lead-time),
 *   **summary** (`summary.ts`), and the loop itself (`simulate.ts`).
 *
 * Capacity comes from the serving profile only, never from an HPA target. See the README's
 * "What it models / does not model" for the approximations.
 *
 * @module
 */
export { Prng } from './prng';
export { NAMED_TRACES, NamedTrace, TRACES_DIR, isNamedTrace, namedTracePath, readNamedTrace } from './named-traces';
export {
  MAX_TRACE_SECONDS,
  TRACE_SHAPES,
  TraceError,
  parseShapeSpec,
  parseTrace,
  parseTraceCsv,
  parseTraceJson,
  scaleTrace,
  syntheticTrace,
  traceFromArray,
  traceStats,
} from './trace';
export type { Trace, TraceShape, TraceShapeOptions } from './trace';
export {
  BEHAVIOR_PRESETS,
  MODEL_LOAD_ANNOTATION,
  ManifestError,
  serviceFromManifests,
  serviceFromResolved,
  serviceFromScaledObject,
  servicesFromManifests,
  servicesFromYaml,
  withBehaviorPreset,
} from './service';
export type { BehaviorPresetName, LoadTimeSource, MetricSignal, SimulatedMetric, SimulatedService, SkippedMetric } from './service';
export {
  DEFAULT_E2E_OUTPUT_TOKENS,
  DEFAULT_IMAGE_PULL_SECONDS,
  DEFAULT_NODE_PROVISIONING_SECONDS,
  DEFAULT_OUTPUT_TOKENS,
  DEFAULT_PROMPT_TOKENS,
  DEFAULT_PULL_BYTES_PER_SECOND,
  DEFAULT_REQUEST_TIMEOUT_SECONDS,
  DEFAULT_SLO,
  DEFAULT_STARTUP_SPREAD,
  DEFAULT_TRACE_START,
  ENGINE_START_SECONDS,
  resolveSimulationOptions,
} from './options';
export type {
  ControllerOptions,
  FaultOptions,
  GatewayPolicy,
  MetricsPipelineOptions,
  NodePoolOptions,
  PodOptions,
  ResolvedSimulationOptions,
  RoutingPolicy,
  ServingOptions,
  SimulationOptions,
  LeverOptions,
  ResolvedWeightCache,
  TraceStart,
  SloOptions,
  UtilizationOptions,
} from './options';
export {
  KEDA_UPSTREAM_DEFAULTS,
  KedaMetricsServer,
  KedaScaleLoop,
  coldStarts,
  existsWithoutPods,
  fallbackReplicas,
  inferscaleKeda,
  kedaSummary,
  kedaWarnings,
  triggerAnswer,
  withAutoscaler,
} from './keda';
export type { ColdStart, KedaScaleTarget, KedaSummary, SimulatedAutoscaler, SimulatedKeda, SimulatedKedaTrigger, TriggerAnswer } from './keda';
export { simulate } from './simulate';
export type { SimulationResult } from './simulate';
export { SimulationPool, simulateMany } from './batch';
export type { SimulateManyOptions, SimulationInput } from './batch';
export { SYNC_REASONS } from './controller-loop';
export type { SimulationSyncs } from './controller-loop';
export { histogramQuantile, promRate } from './scrapes';
export type { FaultReport, LatencyStats, SimulationSummary, SimulationTimeline, SloSeconds, TimeToCapacity } from './summary';
export { EngineExposition, EXPOSED_SERIES, HistogramCounter, INTER_TOKEN_BUCKETS, REQUEST_LATENCY_BUCKETS, TTFT_BUCKETS } from './engine-metrics';
export type { EngineHistogram, ExposedSeries, SeriesReader, SeriesSource } from './engine-metrics';
export { instantBoundSeconds, leadTimeBoundSeconds, steadyState, sustainableRate } from './bounds';
export type { SteadyState } from './bounds';
export { Cohort, CohortQueue, Replica } from './serving';
export type { ServingObserver } from './serving';
export { DEFAULT_PROFILE_ID, SERVING_PROFILES } from './profiles/catalogue';
export { decodeStepSeconds } from './profiles/types';
export type { ProfileSource, ServingProfile } from './profiles/types';
export { fitProfile, isBenchResult, parseBenchResults, ProfileFitError } from './profiles/fit';
export type { BenchResult, ProfileFitOptions } from './profiles/fit';
export { DEFAULT_BATCH_HEADROOM, DEFAULT_QUEUE_BUDGET_SHARE, DEFAULT_TTFT_GUARD_SHARE, deriveSaturationTargets } from './profiles/targets';
export type { LatencySlo, SaturationTargetOptions, SaturationTargets, WorkloadShape } from './profiles/targets';
