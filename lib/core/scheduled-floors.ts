/**
 * Scheduled floors: `minReplicas` by time of day and weekday, for traffic with a known daily
 * shape. Replicas take minutes to start (node, image, model), so a floor raised ahead of the
 * morning ramp serves it from warm replicas where a reactive HPA would fail users while it
 * catches up.
 * @module
 */
import { checkInteger } from './checks';
import type { KedaCronTrigger } from './platform/keda';
import { Problem, show } from './problems';

/** Days of the week as cron numbers them (0 Sunday). */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/** A day of the week. */
export type Weekday = (typeof WEEKDAYS)[number];

/** One window with a raised floor. */
export interface ScheduledFloor {
  /** Days it applies on. @default - every day */
  readonly days?: readonly Weekday[];
  /** Start, `HH:MM` (24 h) in the schedule's time zone. */
  readonly from: string;
  /** End, `HH:MM`, after `from` on the same day (`24:00` for midnight); split a window that crosses midnight into two. */
  readonly to: string;
  /** `minReplicas` inside the window, above the service's own and at most its `maxReplicas`. */
  readonly minReplicas: number;
}

/** Props of scheduled floors. */
export interface ScheduledFloorsProps {
  /** The windows; they may not overlap on a day. */
  readonly floors: readonly ScheduledFloor[];
  /** IANA time zone of `from` and `to`, e.g. `Europe/Berlin`. @default "Etc/UTC" */
  readonly timeZone?: string;
}

/** One resolved window, in minutes of the day. */
export interface ResolvedFloorWindow {
  /** Days, sorted, without repeats. */
  readonly days: readonly Weekday[];
  /** Start, minutes after midnight. */
  readonly fromMinute: number;
  /** End, minutes after midnight (1440 for midnight). */
  readonly toMinute: number;
  /** The floor inside. */
  readonly minReplicas: number;
}

/** A moment the floor changes, and the floor from then on. */
export interface FloorBoundary {
  /** Days it happens on. */
  readonly days: readonly Weekday[];
  /** Minute of the day. */
  readonly minute: number;
  /** `minReplicas` from this moment on. */
  readonly minReplicas: number;
}

/** What {@link resolveScheduledFloors} returns. */
export interface ScheduledFloorsResult {
  /** The resolved floors, present exactly when `problems` is empty. */
  readonly spec?: ResolvedScheduledFloors;
  /** What is wrong, with paths such as `floors[0].from`. */
  readonly problems: Problem[];
}

/** {@link ScheduledFloorsProps} resolved against a service's replica range. */
export interface ResolvedScheduledFloors {
  /** IANA time zone. */
  readonly timeZone: string;
  /** The service's own floor, outside every window. */
  readonly baseMinReplicas: number;
  /** Windows, in the order given. */
  readonly windows: readonly ResolvedFloorWindow[];
  /** Every change of the floor through a week, grouped by time and value; a CronJob each. */
  readonly boundaries: readonly FloorBoundary[];
  /** Shortest time between two consecutive changes in the week, seconds. */
  readonly shortestGapSeconds: number;
}

const MINUTES_PER_DAY = 1440;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;
/** Shortest window or gap between changes a CronJob can keep apart reliably: five minutes. */
export const MIN_FLOOR_GAP_MINUTES = 5;

/**
 * Resolves scheduled floors for a service with replicas from `minReplicas` to `maxReplicas`.
 * Problems name `floors[i].from`, `floors[i].days[j]`, `timeZone` and so on.
 */
export function resolveScheduledFloors(props: ScheduledFloorsProps, minReplicas: number, maxReplicas: number): ScheduledFloorsResult {
  const problems: Problem[] = [];
  const timeZone = props.timeZone ?? 'Etc/UTC';
  if (!isTimeZone(timeZone)) problems.push({ path: 'timeZone', message: `is ${show(timeZone)}; expected an IANA time zone such as "Etc/UTC" or "Europe/Berlin"` });
  if (!Array.isArray(props.floors) || props.floors.length === 0) {
    problems.push({ path: 'floors', message: `is ${show(props.floors)}; expected at least one { from, to, minReplicas } window` });
    return { problems };
  }
  const windows: ResolvedFloorWindow[] = [];
  props.floors.forEach((f, i) => {
    const at = `floors[${i}]`;
    const from = parseClock(f.from, false);
    const to = parseClock(f.to, true);
    if (from === undefined) problems.push({ path: `${at}.from`, message: `is ${show(f.from)}; expected a time "HH:MM" from "00:00" to "23:59"` });
    if (to === undefined) problems.push({ path: `${at}.to`, message: `is ${show(f.to)}; expected a time "HH:MM" from "00:01" to "24:00"` });
    if (from !== undefined && to !== undefined && to - from < MIN_FLOOR_GAP_MINUTES) {
      problems.push({ path: `${at}.to`, message: `is ${show(f.to)}, not at least ${MIN_FLOOR_GAP_MINUTES} minutes after from (${show(f.from)}); a window that crosses midnight is two windows, one ending "24:00" and one starting "00:00"` });
    }
    const days = f.days ?? WEEKDAYS;
    if (!Array.isArray(days) || days.length === 0) problems.push({ path: `${at}.days`, message: `is ${show(days)}; expected a non-empty list of ${WEEKDAYS.map((d) => JSON.stringify(d)).join(', ')}` });
    else days.forEach((d, j) => { if (!WEEKDAYS.includes(d)) problems.push({ path: `${at}.days[${j}]`, message: `is ${show(d)}; expected one of ${WEEKDAYS.map((x) => JSON.stringify(x)).join(', ')}` }); });
    const floorProblems = checkInteger(`${at}.minReplicas`, f.minReplicas, { min: minReplicas + 1, max: maxReplicas, note: `(above the service's minReplicas ${minReplicas}, at most its maxReplicas)` });
    problems.push(...floorProblems);
    if (from !== undefined && to !== undefined && Array.isArray(days) && days.length && !floorProblems.length) {
      windows.push({ days: WEEKDAYS.filter((d) => days.includes(d)), fromMinute: from, toMinute: to, minReplicas: f.minReplicas });
    }
  });
  if (problems.length) return { problems };
  // Overlaps: two windows on one day sharing a minute would leave the floor to whichever CronJob ran last.
  windows.forEach((a, i) => windows.slice(0, i).forEach((b, j) => {
    const shared = a.days.filter((d) => b.days.includes(d));
    if (shared.length && a.fromMinute < b.toMinute && b.fromMinute < a.toMinute) {
      problems.push({ path: `floors[${i}]`, message: `overlaps floors[${j}] on ${shared.join(', ')}; windows on one day must not overlap` });
    }
  }));
  if (problems.length) return { problems };
  const week = weeklyFloors(windows, minReplicas);
  const changes: { minute: number; value: number }[] = [];
  for (let m = 0; m < MINUTES_PER_WEEK; m++) if (week[m] !== week[(m + MINUTES_PER_WEEK - 1) % MINUTES_PER_WEEK]) changes.push({ minute: m, value: week[m] });
  let shortest = MINUTES_PER_WEEK;
  changes.forEach((c, i) => {
    const next = changes[(i + 1) % changes.length];
    const gap = (next.minute - c.minute + MINUTES_PER_WEEK) % MINUTES_PER_WEEK || MINUTES_PER_WEEK;
    shortest = Math.min(shortest, gap);
  });
  if (shortest < MIN_FLOOR_GAP_MINUTES) {
    problems.push({ path: 'floors', message: `change the floor ${shortest} minute${shortest === 1 ? '' : 's'} apart somewhere in the week; keep changes at least ${MIN_FLOOR_GAP_MINUTES} minutes apart` });
    return { problems };
  }
  // Group the same (minute of day, value) across days: one CronJob per group.
  const groups = new Map<string, { days: Set<Weekday>; minute: number; minReplicas: number }>();
  for (const c of changes) {
    const minute = c.minute % MINUTES_PER_DAY;
    const key = `${minute}/${c.value}`;
    const g = groups.get(key) ?? { days: new Set<Weekday>(), minute, minReplicas: c.value };
    g.days.add(WEEKDAYS[Math.floor(c.minute / MINUTES_PER_DAY)]);
    groups.set(key, g);
  }
  const boundaries = [...groups.values()]
    .map((g) => ({ days: WEEKDAYS.filter((d) => g.days.has(d)), minute: g.minute, minReplicas: g.minReplicas }))
    .sort((a, b) => a.minute - b.minute || a.minReplicas - b.minReplicas);
  return { problems, spec: { timeZone, baseMinReplicas: minReplicas, windows, boundaries, shortestGapSeconds: shortest * 60 } };
}

/** The floor for every minute of the week, Sunday 00:00 first. */
export function weeklyFloors(windows: readonly ResolvedFloorWindow[], baseMinReplicas: number): Int32Array {
  const week = new Int32Array(MINUTES_PER_WEEK).fill(baseMinReplicas);
  for (const w of windows) {
    for (const d of w.days) {
      const day = WEEKDAYS.indexOf(d) * MINUTES_PER_DAY;
      for (let m = w.fromMinute; m < w.toMinute; m++) week[day + m] = Math.max(week[day + m], w.minReplicas);
    }
  }
  return week;
}

/** A five-field cron schedule for a minute of the day on some days (`*` for every day). */
export function cronSchedule(minute: number, days: readonly Weekday[]): string {
  const dow = days.length === 7 ? '*' : days.map((d) => WEEKDAYS.indexOf(d)).join(',');
  return `${minute % 60} ${Math.floor(minute / 60)} * * ${dow}`;
}

/**
 * KEDA `cron` triggers for the windows: each asks for its `minReplicas` between `start` and
 * `end`; the HPA KEDA creates takes the largest of all triggers, so inside a window the floor
 * holds and load can still raise replicas above it.
 * @see https://keda.sh/docs/2.17/scalers/cron/
 */
export function kedaCronTriggers(spec: ResolvedScheduledFloors): KedaCronTrigger[] {
  return spec.windows.map((w) => ({
    type: 'cron' as const,
    metricType: 'AverageValue' as const,
    metadata: {
      timezone: spec.timeZone,
      start: cronSchedule(w.fromMinute, w.days),
      // "24:00" is midnight of the next day: the end of a window that runs to the end of the day.
      end: w.toMinute === MINUTES_PER_DAY ? cronSchedule(0, w.days.map((d) => WEEKDAYS[(WEEKDAYS.indexOf(d) + 1) % 7])) : cronSchedule(w.toMinute, w.days),
      desiredReplicas: String(w.minReplicas),
    },
  }));
}

/**
 * The floor at a moment of a simulated trace: `second` counts from the trace's start, which
 * falls on `startDay` at `startMinute` (minutes after midnight) in the schedule's time zone.
 */
export function floorAt(week: Int32Array, second: number, startDay: Weekday, startMinute: number): number {
  const minute = WEEKDAYS.indexOf(startDay) * MINUTES_PER_DAY + startMinute + Math.floor(second / 60);
  return week[((minute % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) % MINUTES_PER_WEEK];
}

/** `HH:MM` as minutes after midnight; `24:00` only where `allowEndOfDay`. */
export function parseClock(value: unknown, allowEndOfDay: boolean): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(value);
  if (!m) return undefined;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  if (minutes > MINUTES_PER_DAY || (minutes === MINUTES_PER_DAY && !allowEndOfDay)) return undefined;
  return minutes;
}

function isTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value === '') return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
