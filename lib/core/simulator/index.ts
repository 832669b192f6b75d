/**
 * # Autoscaling simulator
 *
 * Replays a load trace against a service's real scaling configuration (the HPA spec and the
 * Deployment facts that decide how fast capacity arrives) and reports what users and the GPU
 * bill would see. Pure and framework-free: no cdk8s, no Pulumi, and no I/O except
 * {@link readNamedTrace}, which reads the traces shipped in the package.
 *
 * ```ts
 * import { simulator, resolveInferenceService } from 'inferscale';
 * const service = simulator.serviceFromResolved(resolveInferenceService(props, 'llm').service!);
 * const trace = simulator.syntheticTrace('step', { base: 2, peak: 20 });
 * const { summary } = simulator.simulate(service, trace);
 * ```
 *
 * ## Inputs
 *
 * - **Service** ({@link SimulatedService}): minReplicas, maxReplicas, metrics and behavior of
 *   the autoscaling/v2 HPA; GPUs, CPU and memory requests, startup probe, preStop sleep and
 *   grace period of the Deployment; the model load time. From a resolved inference service
 *   ({@link serviceFromResolved}), from HPA + Deployment objects ({@link serviceFromManifests})
 *   or from YAML such as `charts-out/inference.yaml` ({@link servicesFromYaml}).
 * - **Trace** ({@link Trace}): requests arriving per second, from built-in shapes
 *   ({@link syntheticTrace}: step, spike, diurnal, ramp; Poisson arrivals with a seeded PRNG)
 *   or CSV/JSON text ({@link parseTraceCsv}, {@link parseTraceJson}), including the
 *   repository's `second,requests,context_tokens,generated_tokens` format.
 *
 * ## The model, second by second
 *
 * **Capacity.** A replica serves `C` requests/s at the latency target `L` (quantile `q`). `C`
 * is the target of the service's requests-per-second metric (the metric catalogue defines it
 * as exactly that) or given explicitly; `L` and `q` come from the latency metric or are given.
 * Token columns can weight requests (`capacity.tokenWeighting`): a request then costs its
 * tokens relative to the trace's average request.
 *
 * **Latency and queueing.** Each ready replica is an M/M/c queue (Erlang C) with `c` batch
 * slots and base latency `S0` (one request on an idle replica, default `L / 2`); `c` is the
 * fewest slots that keep the q-quantile within `L` at `C` requests/s, so a replica saturates at
 * `μ = c / S0 > C`. Load is split evenly over ready replicas. Latency = `S0` + the Erlang C
 * wait quantile + the time to drain any overload backlog. Overload (arrivals above `μ` per
 * replica) builds a fluid backlog; requests that would wait longer than the request timeout
 * (60 s) fail, as do requests when no replica is ready. See `queueing.ts`.
 *
 * **Metrics pipeline.** Prometheus scrapes every 15 s (offset 7 s from the HPA's syncs).
 * Counters (`requests_total`, histogram buckets) are cumulative per pod; the HPA's value is
 * computed as the adapter's query would: `rate(x[w])` with Prometheus' extrapolation over the
 * samples inside the window (so it lags by about half the window), `histogram_quantile` over
 * bucket rates with linear interpolation inside a bucket (so it is quantised by the bucket
 * bounds), `rate(sum)/rate(count)` for a mean, gauges (in flight, queue depth) at the last
 * scrape. DCGM GPU utilization is collected every 30 s (integer percent) and scraped. CPU and
 * memory come from metrics-server (15 s windows). The adapter queries Prometheus per request;
 * `metrics.adapterDelaySeconds` adds caching delay if there is any.
 *
 * **Pods as the controller sees them.** Pending pods (waiting for a GPU, pulling the image)
 * are `unready`. A pod loading its model is Running but not Ready: the server's own series do
 * not exist yet (`missing`), DCGM reports its GPU (at `gpuLoadingPercent`, 0 by default: a
 * loading pod drags the GPU average down, as in a real cluster), and for CPU it is `unready`.
 * A ready pod's rates need two scrapes inside the window; CPU samples follow the controller's
 * CPU readiness rules (initialization period 5 min). Terminating pods are `ignored`.
 *
 * **Controller.** Every 15 s {@link hpa.sync} runs, the exact controller model, with the
 * tolerance, stabilization windows and policies of the spec (or the legacy path for
 * `behavior: null`); its state is carried with {@link hpa.advanceTime}. The new
 * `spec.replicas` is applied at once; scale-down deletes pods in ReplicaSet order (unscheduled,
 * Pending, not ready, most recently ready).
 *
 * **Pod start.** Creation → scheduling (2 s) onto a node with free GPUs; if none, the cluster
 * autoscaler launches nodes (`nodes.provisioningSeconds`, 180 s; up to `maxNodes`, enough for
 * maxReplicas by default; `gpusPerNode` 1 by default) → image pull (60 s, only for the first
 * pod on a node) → model load (the service's load time) → ready at the first successful startup
 * probe. A model that loads slower than the startup probe allows never becomes ready. Empty
 * nodes are removed after 10 min. CPU-only services always find room.
 *
 * **Utilization.** GPU busy fraction = served / (ready × μ). CPU = request × (idle 5 % + busy
 * fraction × 30 % with GPUs, 90 % without), 50 % while loading. Memory is constant (60 %).
 *
 * ## Outputs
 *
 * A per-second timeline (requests, failures, latency, backlog, desired/ready replicas, pods,
 * nodes, utilization), a per-sync record (proposal, desired, reason, each metric's value) and
 * a summary: peak replicas; time to capacity (from a burst, when the 60 s average demand first
 * needs more ready replicas than there are, until as many replicas are ready as the burst
 * needed at most) and the seconds spent short; seconds over the latency target; failed
 * requests; GPU-hours of pods and of nodes; and the GPU-hours of a perfect-foresight lower
 * bound (each second exactly `ceil(load / C)` replicas within min and max, ready instantly).
 *
 * ## What it does not model
 *
 * Per-request service-time variance (S0 is constant), uneven load balancing, batching effects
 * beyond `c` slots, prompt-length-dependent latency (token weighting only charges capacity),
 * pod failures and restarts other than a startup probe that gives up, rolling updates, node
 * failures, spot interruptions, scale-to-zero, and CPU node capacity.
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
  servicesFromManifests,
  servicesFromYaml,
  withBehaviorPreset,
} from './service';
export type { BehaviorPresetName, LoadTimeSource, MetricSignal, SimulatedMetric, SimulatedService, SkippedMetric } from './service';
export {
  DEFAULT_E2E_OUTPUT_TOKENS,
  DEFAULT_OUTPUT_TOKENS,
  DEFAULT_PROMPT_TOKENS,
  DEFAULT_PULL_BYTES_PER_SECOND,
  DEFAULT_REQUEST_TIMEOUT_SECONDS,
  DEFAULT_SLO,
  DEFAULT_STARTUP_SPREAD,
  ENGINE_START_SECONDS,
  resolveSimulationOptions,
} from './options';
export type {
  ControllerOptions,
  FaultOptions,
  MetricsPipelineOptions,
  NodePoolOptions,
  PodOptions,
  ResolvedSimulationOptions,
  RoutingPolicy,
  ServingOptions,
  SimulationOptions,
  SloOptions,
  UtilizationOptions,
} from './options';
export { simulate } from './simulate';
export type { SimulationResult } from './simulate';
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
export { fitProfile, parseBenchResults, ProfileFitError } from './profiles/fit';
export type { BenchResult, ProfileFitOptions } from './profiles/fit';
