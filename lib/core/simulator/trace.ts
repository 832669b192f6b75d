/**
 * Load traces: requests arriving per second, from built-in shapes or from CSV and JSON text.
 * @module
 */
import { Prng } from './prng';

/**
 * Requests arriving in each second of the simulation, second 0 first. Fractional counts are
 * allowed (a scaled trace); the simulator treats arrivals as a fluid within each second.
 */
export interface Trace {
  /** Where the trace came from, for reports: a file name or a shape such as `step`. */
  readonly name: string;
  /** Requests arriving in second `i` (>= 0, finite). */
  readonly requests: Float64Array;
  /** Sum of prompt (context) tokens of the requests arriving in second `i`, when known. */
  readonly contextTokens?: Float64Array;
  /** Sum of generated tokens of the requests arriving in second `i`, when known. */
  readonly generatedTokens?: Float64Array;
}

/**
 * A trace that cannot be read: the message names the source, the line (or JSON path) and the
 * field, e.g. `code.csv line 7: requests is "-3"; expected a number, 0 or more`.
 */
export class TraceError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'TraceError';
  }
}

/** Longest trace accepted: 31 days at 1 s resolution. */
export const MAX_TRACE_SECONDS = 31 * 86400;

const TIME_COLUMNS = ['second', 'seconds', 'time', 'timestamp', 't', 'ts'];
const RATE_COLUMNS = ['requests', 'requests_per_second', 'rps', 'rate', 'value', 'count'];
const CONTEXT_COLUMNS = ['context_tokens', 'prompt_tokens', 'input_tokens'];
const GENERATED_COLUMNS = ['generated_tokens', 'completion_tokens', 'output_tokens'];

/** One row of a timed trace: the rate holds from `time` until the next row's time. */
interface TimedRow {
  time: number;
  rate: number;
  context?: number;
  generated?: number;
  where: string;
}

/**
 * Reads a CSV trace. Accepted layouts (a header row is recognised by its first field not
 * being a number):
 *
 * - the repository's per-second format, `second,requests,context_tokens,generated_tokens`
 *   (the token columns are optional);
 * - any header with a time column (`second`, `time`, `timestamp`, `t`) and a rate column
 *   (`requests`, `requests_per_second`, `rps`, `rate`, `value`); times are seconds or ISO 8601
 *   dates; each row's rate holds until the next row's time, so a row every minute is fine;
 * - no header: `time,rate` rows, or a single column of per-second rates.
 *
 * Times must increase strictly; rates must be finite and >= 0. The first row's time becomes
 * second 0. Blank lines and lines starting with `#` are skipped.
 *
 * @param text the file contents.
 * @param source name used in error messages (usually the file name).
 * @throws TraceError naming the line and field of the first problem.
 */
export function parseTraceCsv(text: string, source: string): Trace {
  const lines = text.split(/\r?\n/);
  let header: string[] | undefined;
  let timeIdx = -1;
  let rateIdx = -1;
  let contextIdx = -1;
  let generatedIdx = -1;
  let width = -1;
  const rows: TimedRow[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = raw.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
    const where = `${source} line ${i + 1}`;
    if (width < 0) {
      width = fields.length;
      if (!isNumeric(fields[0]) && !isIsoDate(fields[0])) {
        header = fields.map((f) => f.toLowerCase());
        timeIdx = header.findIndex((h) => TIME_COLUMNS.includes(h));
        rateIdx = header.findIndex((h) => RATE_COLUMNS.includes(h));
        contextIdx = header.findIndex((h) => CONTEXT_COLUMNS.includes(h));
        generatedIdx = header.findIndex((h) => GENERATED_COLUMNS.includes(h));
        if (rateIdx < 0) {
          throw new TraceError(`${where}: header "${raw}" has no requests column; expected one named ${RATE_COLUMNS.map((c) => `"${c}"`).join(', ')}`);
        }
        continue;
      }
      if (width === 1) rateIdx = 0;
      else if (width === 2) {
        timeIdx = 0;
        rateIdx = 1;
      } else {
        throw new TraceError(`${where}: ${width} fields and no header; expected "time,requests" rows, a single column of requests per second, or a header row naming the columns`);
      }
    }
    if (fields.length !== width) {
      const expected = header ? ` (${header.join(',')})` : '';
      throw new TraceError(`${where}: expected ${width} fields${expected}, got ${fields.length}`);
    }
    const column = (idx: number): string => (header ? header[idx] : idx === timeIdx ? 'time' : 'requests');
    const rate = parseRate(fields[rateIdx], `${where}: ${column(rateIdx)}`);
    const time = timeIdx < 0 ? rows.length : parseTime(fields[timeIdx], `${where}: ${column(timeIdx)}`);
    const row: TimedRow = { time, rate, where };
    if (contextIdx >= 0) row.context = parseRate(fields[contextIdx], `${where}: ${column(contextIdx)}`);
    if (generatedIdx >= 0) row.generated = parseRate(fields[generatedIdx], `${where}: ${column(generatedIdx)}`);
    rows.push(row);
  }
  if (rows.length === 0) throw new TraceError(`${source}: no data rows; expected at least one "time,requests" row`);
  return fromRows(rows, source, contextIdx >= 0, generatedIdx >= 0, timeIdx >= 0 ? column0(header, timeIdx) : 'time');
}

/**
 * Reads a JSON trace: an array of per-second rates (`[2, 3, 0, 5]`); an array of objects with
 * a time and a rate field (`[{ "t": 0, "rps": 2 }, { "t": 60, "rps": 8 }]`, same field names as
 * the CSV columns); or an object `{ "requests": [...] }` (optionally with `context_tokens`,
 * `generated_tokens` arrays of the same length).
 *
 * @throws TraceError naming the JSON path of the first problem, e.g. `t.json [3].rps`.
 */
export function parseTraceJson(text: string, source: string): Trace {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new TraceError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  if (data !== null && typeof data === 'object' && !Array.isArray(data)) {
    const obj = data as Record<string, unknown>;
    const requests = obj.requests ?? obj.rps;
    if (!Array.isArray(requests)) {
      throw new TraceError(`${source}: expected an array, or an object with a "requests" array of per-second rates`);
    }
    const series = (key: string): number[] | undefined => {
      const v = obj[key];
      if (v === undefined) return undefined;
      if (!Array.isArray(v) || v.length !== requests.length) {
        throw new TraceError(`${source} .${key}: expected an array as long as "requests" (${requests.length})`);
      }
      return v.map((x, i) => parseRate(x, `${source} .${key}[${i}]`));
    };
    const rows: TimedRow[] = requests.map((r, i) => ({ time: i, rate: parseRate(r, `${source} .requests[${i}]`), where: `${source} .requests[${i}]` }));
    const context = series('context_tokens');
    const generated = series('generated_tokens');
    rows.forEach((row, i) => {
      if (context) row.context = context[i];
      if (generated) row.generated = generated[i];
    });
    if (rows.length === 0) throw new TraceError(`${source}: "requests" is empty`);
    return fromRows(rows, source, context !== undefined, generated !== undefined, 'time');
  }
  if (!Array.isArray(data)) throw new TraceError(`${source}: expected an array of requests per second or of { t, rps } objects`);
  if (data.length === 0) throw new TraceError(`${source}: the array is empty`);
  if (typeof data[0] !== 'object' || data[0] === null) {
    const rows = data.map((r, i) => ({ time: i, rate: parseRate(r, `${source} [${i}]`), where: `${source} [${i}]` }));
    return fromRows(rows, source, false, false, 'time');
  }
  let timeKey: string | undefined;
  let rateKey: string | undefined;
  let contextKey: string | undefined;
  let generatedKey: string | undefined;
  const rows = data.map((item, i): TimedRow => {
    const at = `${source} [${i}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new TraceError(`${at}: expected an object like { "t": 0, "rps": 2 }`);
    const o = item as Record<string, unknown>;
    if (i === 0) {
      const keys = Object.keys(o);
      timeKey = keys.find((k) => TIME_COLUMNS.includes(k.toLowerCase()));
      rateKey = keys.find((k) => RATE_COLUMNS.includes(k.toLowerCase()));
      contextKey = keys.find((k) => CONTEXT_COLUMNS.includes(k.toLowerCase()));
      generatedKey = keys.find((k) => GENERATED_COLUMNS.includes(k.toLowerCase()));
      if (rateKey === undefined) throw new TraceError(`${at}: no requests field; expected one of ${RATE_COLUMNS.map((c) => `"${c}"`).join(', ')}`);
    }
    if (!(rateKey! in o)) throw new TraceError(`${at}: missing field "${rateKey}"`);
    const row: TimedRow = { time: i, rate: parseRate(o[rateKey!], `${at}.${rateKey}`), where: at };
    if (timeKey !== undefined) {
      if (!(timeKey in o)) throw new TraceError(`${at}: missing field "${timeKey}"`);
      row.time = parseTime(o[timeKey], `${at}.${timeKey}`);
    }
    if (contextKey !== undefined) row.context = parseRate(o[contextKey], `${at}.${contextKey}`);
    if (generatedKey !== undefined) row.generated = parseRate(o[generatedKey], `${at}.${generatedKey}`);
    return row;
  });
  return fromRows(rows, source, contextKey !== undefined, generatedKey !== undefined, timeKey ?? 'time');
}

/**
 * Reads a trace file's text, choosing the parser by extension (`.json` is JSON, anything else
 * CSV).
 */
export function parseTrace(text: string, fileName: string): Trace {
  return /\.json$/i.test(fileName) ? parseTraceJson(text, fileName) : parseTraceCsv(text, fileName);
}

/** A trace from plain per-second numbers (validated like a file). */
export function traceFromArray(name: string, requests: ArrayLike<number>): Trace {
  if (requests.length === 0) throw new TraceError(`${name}: no seconds; expected at least one`);
  if (requests.length > MAX_TRACE_SECONDS) throw new TraceError(`${name}: ${requests.length} seconds is longer than the ${MAX_TRACE_SECONDS} s (31 days) the simulator accepts`);
  const out = new Float64Array(requests.length);
  for (let i = 0; i < requests.length; i++) out[i] = parseRate(requests[i], `${name} [${i}]`);
  return { name, requests: out };
}

/** Multiplies requests (and token counts) by `factor` (> 0), to model a larger or smaller service. */
export function scaleTrace(trace: Trace, factor: number): Trace {
  if (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= 0) {
    throw new TraceError(`scale is ${String(factor)}; expected a number greater than 0`);
  }
  if (factor === 1) return trace;
  const mul = (a: Float64Array): Float64Array => a.map((x) => x * factor);
  return {
    name: `${trace.name} ×${factor}`,
    requests: mul(trace.requests),
    ...(trace.contextTokens ? { contextTokens: mul(trace.contextTokens) } : {}),
    ...(trace.generatedTokens ? { generatedTokens: mul(trace.generatedTokens) } : {}),
  };
}

/** Total requests, mean and peak requests per second of a trace. */
export function traceStats(trace: Trace): {
  /** Length of the trace, seconds. */
  seconds: number;
  /** Requests in the whole trace. */
  total: number;
  /** Mean requests per second. */
  mean: number;
  /** Most requests in one second. */
  peak: number;
  /** Highest average requests per second over 60 consecutive seconds (the mean when the trace is shorter). */
  peak60: number;
} {
  const r = trace.requests;
  let total = 0;
  let peak = 0;
  let window = 0;
  let peak60 = 0;
  for (let i = 0; i < r.length; i++) {
    total += r[i];
    if (r[i] > peak) peak = r[i];
    window += r[i] - (i >= 60 ? r[i - 60] : 0);
    const avg = window / Math.min(60, i + 1);
    if (i >= 59 && avg > peak60) peak60 = avg;
  }
  if (r.length < 60) peak60 = total / r.length;
  return { seconds: r.length, total, mean: total / r.length, peak, peak60 };
}

/** The built-in synthetic shapes. */
export type TraceShape = 'step' | 'spike' | 'diurnal' | 'ramp';

/** Names of the built-in shapes, for option parsing. */
export const TRACE_SHAPES: readonly TraceShape[] = ['step', 'spike', 'diurnal', 'ramp'];

/**
 * Parameters of a synthetic trace. Rates are requests per second; times are seconds.
 * Arrivals are Poisson around the shape's rate with a seeded generator unless `noise` is false.
 */
export interface TraceShapeOptions {
  /** Length of the trace. @default 3600 */
  readonly durationSeconds?: number;
  /** Rate outside the burst (step, spike), at the trough (diurnal) or at the start (ramp). @default 2 */
  readonly base?: number;
  /** Rate during the burst (step, spike), at the crest (diurnal) or at the end (ramp). @default 20 (step), 40 (spike), 12 (diurnal), 24 (ramp) */
  readonly peak?: number;
  /** When the burst starts (step, spike). @default 600 */
  readonly atSeconds?: number;
  /** How long the burst lasts. @default 1200 (step), 60 (spike) */
  readonly lengthSeconds?: number;
  /** Period of the diurnal wave. @default - the duration */
  readonly periodSeconds?: number;
  /** Poisson arrivals around the rate (true) or the exact rate each second (false). @default true */
  readonly noise?: boolean;
  /** Seed of the arrival noise. @default 1 */
  readonly seed?: number;
}

/**
 * A synthetic trace:
 *
 * - `step`: `base`, then `peak` from `atSeconds` for `lengthSeconds`, then `base` again;
 * - `spike`: the same with a short burst (60 s by default);
 * - `diurnal`: a raised cosine between `base` (at 0) and `peak` (at half the period);
 * - `ramp`: linear from `base` to `peak` over the whole duration.
 *
 * @throws TraceError naming the option when a value is out of range.
 */
export function syntheticTrace(shape: TraceShape, options: TraceShapeOptions = {}): Trace {
  const duration = options.durationSeconds ?? 3600;
  const defaults: Record<TraceShape, { peak: number; length: number }> = {
    step: { peak: 20, length: 1200 },
    spike: { peak: 40, length: 60 },
    diurnal: { peak: 12, length: 0 },
    ramp: { peak: 24, length: 0 },
  };
  if (!TRACE_SHAPES.includes(shape)) throw new TraceError(`trace shape is "${String(shape)}"; expected one of ${TRACE_SHAPES.join(', ')}`);
  const base = options.base ?? 2;
  const peak = options.peak ?? defaults[shape].peak;
  const at = options.atSeconds ?? 600;
  const length = options.lengthSeconds ?? defaults[shape].length;
  const period = options.periodSeconds ?? duration;
  const check = (name: string, v: number, min: number, integer: boolean): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
      throw new TraceError(`${shape} trace: ${name} is ${String(v)}; expected ${integer ? 'whole seconds' : 'a number'}, ${min} or more`);
    }
  };
  check('durationSeconds', duration, 1, true);
  if (duration > MAX_TRACE_SECONDS) throw new TraceError(`${shape} trace: durationSeconds is ${duration}; at most ${MAX_TRACE_SECONDS} (31 days)`);
  check('base', base, 0, false);
  check('peak', peak, 0, false);
  check('atSeconds', at, 0, true);
  check('lengthSeconds', length, 0, true);
  check('periodSeconds', period, 1, true);
  const noise = options.noise ?? true;
  const prng = new Prng(options.seed ?? 1);
  const out = new Float64Array(duration);
  for (let t = 0; t < duration; t++) {
    let rate: number;
    switch (shape) {
      case 'step':
      case 'spike':
        rate = t >= at && t < at + length ? peak : base;
        break;
      case 'diurnal':
        rate = base + ((peak - base) * (1 - Math.cos((2 * Math.PI * t) / period))) / 2;
        break;
      case 'ramp':
        rate = duration === 1 ? base : base + ((peak - base) * t) / (duration - 1);
        break;
    }
    out[t] = noise ? prng.poisson(rate) : rate;
  }
  return { name: shape, requests: out };
}

/**
 * Parses a shape spec as the CLI takes it: `step`, or `step:peak=30,at=300,for=600,base=1`
 * (keys: `base`, `peak`, `at`, `for`, `period`, `duration`, `seed`, `noise=0|1`).
 */
export function parseShapeSpec(spec: string, defaults: TraceShapeOptions = {}): Trace | undefined {
  const [name, params] = spec.split(':', 2);
  if (!TRACE_SHAPES.includes(name as TraceShape)) return undefined;
  const opts: { -readonly [K in keyof TraceShapeOptions]: TraceShapeOptions[K] } = { ...defaults };
  const keys: Record<string, keyof TraceShapeOptions> = {
    base: 'base', peak: 'peak', at: 'atSeconds', for: 'lengthSeconds', period: 'periodSeconds', duration: 'durationSeconds', seed: 'seed', noise: 'noise',
  };
  for (const part of (params ?? '').split(',').filter(Boolean)) {
    const [k, v] = part.split('=', 2);
    const key = keys[k?.trim()];
    if (!key || v === undefined || !isNumeric(v.trim())) {
      throw new TraceError(`trace "${spec}": "${part}" is not a shape parameter; expected key=number with keys ${Object.keys(keys).join(', ')}`);
    }
    const n = Number(v);
    if (key === 'noise') opts.noise = n !== 0;
    else opts[key] = n;
  }
  const trace = syntheticTrace(name as TraceShape, opts);
  return params ? { ...trace, name: spec } : trace;
}

function column0(header: string[] | undefined, idx: number): string {
  return header ? header[idx] : 'time';
}

function isNumeric(s: string): boolean {
  return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s);
}

function isIsoDate(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s);
}

function parseRate(value: unknown, at: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && isNumeric(value.trim()) ? Number(value) : NaN;
  if (typeof value !== 'number' && (typeof value !== 'string' || !isNumeric(value.trim()))) {
    throw new TraceError(`${at} is ${JSON.stringify(value)}; expected a number, 0 or more`);
  }
  if (!Number.isFinite(n)) throw new TraceError(`${at} is ${String(value)}; expected a finite number, 0 or more`);
  if (n < 0) throw new TraceError(`${at} is ${String(value)}, a negative rate; expected a number, 0 or more`);
  return n;
}

function parseTime(value: unknown, at: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const s = value.trim();
    if (isNumeric(s)) return Number(s);
    if (isIsoDate(s)) {
      const ms = Date.parse(s);
      if (Number.isFinite(ms)) return ms / 1000;
    }
  }
  throw new TraceError(`${at} is ${JSON.stringify(value)}; expected seconds (a number) or an ISO 8601 time`);
}

/**
 * Resamples rows to 1 s: each row's rate holds from its time until the next row's time
 * (the last row holds for the median row interval). Token sums are spread the same way.
 */
function fromRows(rows: TimedRow[], source: string, hasContext: boolean, hasGenerated: boolean, timeName: string): Trace {
  for (let i = 1; i < rows.length; i++) {
    if (!(rows[i].time > rows[i - 1].time)) {
      throw new TraceError(`${rows[i].where}: ${timeName} ${rows[i].time} is not after the previous row's ${rows[i - 1].time}; times must increase`);
    }
  }
  const t0 = rows[0].time;
  const gaps = rows.slice(1).map((r, i) => r.time - rows[i].time).sort((a, b) => a - b);
  const lastStep = gaps.length ? gaps[Math.floor(gaps.length / 2)] : 1;
  const last = rows[rows.length - 1];
  const end = last.time - t0 + lastStep;
  const seconds = Math.max(1, Math.round(end));
  // Say whether the rows themselves are too far apart, or the last row's hold tips the trace over.
  if (last.time - t0 >= MAX_TRACE_SECONDS) {
    throw new TraceError(`${last.where}: ${timeName} is ${last.time - t0} s after the first row's; the simulator accepts traces of at most ${MAX_TRACE_SECONDS} s (31 days)`);
  }
  if (seconds > MAX_TRACE_SECONDS) {
    throw new TraceError(`${last.where}: the last row holds for the median time between rows (${lastStep} s), so the trace spans ${seconds} s; the simulator accepts at most ${MAX_TRACE_SECONDS} s (31 days)`);
  }
  const requests = new Float64Array(seconds);
  const context = hasContext ? new Float64Array(seconds) : undefined;
  const generated = hasGenerated ? new Float64Array(seconds) : undefined;
  const perSecond = gaps.length === 0 || (gaps[0] === 1 && gaps[gaps.length - 1] === 1 && Number.isInteger(t0));
  for (let i = 0; i < rows.length; i++) {
    const from = rows[i].time - t0;
    const to = i + 1 < rows.length ? rows[i + 1].time - t0 : end;
    if (perSecond) {
      requests[Math.round(from)] = rows[i].rate;
      if (context) context[Math.round(from)] = rows[i].context ?? 0;
      if (generated) generated[Math.round(from)] = rows[i].generated ?? 0;
      continue;
    }
    // A rate held over [from, to): each second gets the rate times its overlap with the span.
    const span = to - from;
    for (let s = Math.floor(from); s < Math.min(seconds, Math.ceil(to)); s++) {
      const overlap = Math.min(to, s + 1) - Math.max(from, s);
      if (overlap <= 0) continue;
      requests[s] += rows[i].rate * overlap;
      // Token columns are sums over the row's requests: spread them in proportion to time.
      if (context) context[s] += ((rows[i].context ?? 0) * overlap) / span;
      if (generated) generated[s] += ((rows[i].generated ?? 0) * overlap) / span;
    }
  }
  return {
    name: source,
    requests,
    ...(context ? { contextTokens: context } : {}),
    ...(generated ? { generatedTokens: generated } : {}),
  };
}
