/**
 * Standard 5-field cron schedules as upstream's robfig/cron parser reads them: minute hour day-of-month
 * month day-of-week, with `*`, `?`, lists, ranges, steps, month and weekday names, the macros @yearly
 * @annually @monthly @weekly @daily @midnight @hourly, and `TZ=`/`CRON_TZ=` prefixes. Times are matched
 * on the wall clock of an IANA time zone.
 */

/** A parsed schedule. */
export interface Schedule {
  minutes: Set<number>;
  hours: Set<number>;
  dom: Set<number>;
  months: Set<number>;
  dow: Set<number>;
  /** Day-of-month or day-of-week was `*`/`?`: then only the other one restricts days. */
  domStar: boolean;
  dowStar: boolean;
  timeZone: string;
}

const macros: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const monthNames = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const dayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function parseField(field: string, min: number, max: number, names?: string[], nameBase = 0): { set: Set<number>; star: boolean } {
  const set = new Set<number>();
  let star = false;
  const value = (s: string): number => {
    const i = names?.indexOf(s.toLowerCase()) ?? -1;
    if (i >= 0) return i + nameBase;
    if (!/^\d+$/.test(s)) throw new Error(`failed to parse int from ${s}`);
    return Number(s);
  };
  for (const part of field.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : value(stepText);
    if (step <= 0) throw new Error(`step of range should be a positive number: ${part}`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      star = stepText === undefined;
      [lo, hi] = [min, max];
    } else {
      const [a = '', b] = range.split('-');
      lo = value(a);
      hi = b === undefined ? (stepText === undefined ? lo : max) : value(b);
    }
    if (lo < min || hi > max || lo > hi) throw new Error(`end of range (${hi}) above maximum (${max}) or beginning of range (${lo}) below minimum (${min}): ${part}`);
    for (let v = lo; v <= hi; v += step) set.add(v);
  }
  return { set, star };
}

/** parseSchedule parses a cron expression; throws an Error whose message upstream would print. */
export function parseSchedule(spec: string, timeZone?: string): Schedule {
  let text = spec.trim();
  let tz = timeZone || 'UTC';
  const tzMatch = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(text);
  if (tzMatch) {
    tz = tzMatch[1] as string;
    text = tzMatch[2] as string;
  }
  checkTimeZone(tz);
  text = macros[text.toLowerCase()] ?? text;
  if (text.startsWith('@')) throw new Error(`unrecognized descriptor: ${text}`);
  const fields = text.split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: ${text}`);
  const [mi, h, dom, mo, dow] = fields as [string, string, string, string, string];
  const dowField = parseField(dow, 0, 7, dayNames);
  // 7 is Sunday too.
  if (dowField.set.delete(7)) dowField.set.add(0);
  const domField = parseField(dom, 1, 31);
  return {
    minutes: parseField(mi, 0, 59).set,
    hours: parseField(h, 0, 23).set,
    dom: domField.set,
    months: parseField(mo, 1, 12, monthNames, 1).set,
    dow: dowField.set,
    domStar: domField.star,
    dowStar: dowField.star,
    timeZone: tz,
  };
}

/** checkTimeZone throws `unknown time zone X` for a zone the runtime does not know. */
export function checkTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new Error(`unknown time zone ${tz}`);
  }
}

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** wallClock returns the wall-clock fields of an instant in a zone. */
function wallClock(ms: number, tz: string): Wall & { dow: number } {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', weekday: 'short' });
    formatters.set(tz, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return {
    y: Number(parts['year']),
    mo: Number(parts['month']),
    d: Number(parts['day']),
    h: Number(parts['hour']),
    mi: Number(parts['minute']),
    dow: dayNames.indexOf(String(parts['weekday']).toLowerCase().slice(0, 3)),
  };
}

/** instantOf converts wall-clock fields in a zone to an instant (the earlier one across a DST overlap). */
function instantOf(w: Wall, tz: string): number {
  const asUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi);
  let guess = asUtc;
  for (let i = 0; i < 3; i++) {
    const seen = wallClock(guess, tz);
    const seenUtc = Date.UTC(seen.y, seen.mo - 1, seen.d, seen.h, seen.mi);
    guess += asUtc - seenUtc;
  }
  return guess;
}

function dayMatches(s: Schedule, w: Wall): boolean {
  const dow = new Date(Date.UTC(w.y, w.mo - 1, w.d)).getUTCDay();
  const domOk = s.dom.has(w.d);
  const dowOk = s.dow.has(dow);
  if (s.domStar || s.dowStar) return domOk && dowOk;
  return domOk || dowOk;
}

/** next returns the first scheduled instant strictly after `afterMs`, or undefined within 5 years. */
export function next(s: Schedule, afterMs: number): number | undefined {
  const start = wallClock(Math.floor(afterMs / 60_000) * 60_000 + 60_000, s.timeZone);
  // Wall-clock arithmetic through Date.UTC, which normalises overflowing fields.
  let t = Date.UTC(start.y, start.mo - 1, start.d, start.h, start.mi);
  const limit = t + 5 * 366 * 86_400_000;
  const wall = (): Wall => {
    const d = new Date(t);
    return { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes() };
  };
  while (t < limit) {
    const w = wall();
    if (!s.months.has(w.mo)) {
      t = Date.UTC(w.y, w.mo, 1);
      continue;
    }
    if (!dayMatches(s, w)) {
      t = Date.UTC(w.y, w.mo - 1, w.d + 1);
      continue;
    }
    if (!s.hours.has(w.h)) {
      t = Date.UTC(w.y, w.mo - 1, w.d, w.h + 1);
      continue;
    }
    if (!s.minutes.has(w.mi)) {
      t += 60_000;
      continue;
    }
    const instant = instantOf(w, s.timeZone);
    // A wall time skipped by a DST jump does not exist; an instant before the start is an overlap repeat.
    const back = wallClock(instant, s.timeZone);
    if (back.h === w.h && back.mi === w.mi && instant > afterMs) return instant;
    t += 60_000;
  }
  return undefined;
}
