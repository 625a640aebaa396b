import { Bailout } from '../values.js';
import { fail, forEach, multi, single, type Builtin, type Compiled, type Vars } from '../kit.js';

/**
 * jq's date built-ins on UTC, as jq-wasm (jq 1.8 on musl) computes them: `strftime`, `todate`,
 * `strptime`, `mktime`, `fromdate`, `now`. Only the formats' common directives are covered, on
 * years 1000 to 9999 and well-formed fields; anything else (lenient field widths, out-of-range
 * fields, other directives) is left to jq-wasm by a bail-out, so the answer is always jq's.
 */

/** A broken-down time as jq shows it: [year, month 0-11, day, hours, minutes, seconds, weekday, day of year]. */
type BrokenDown = [number, number, number, number, number, number, number, number];

const MIN_SECONDS = Date.UTC(1000, 0, 1) / 1000;
const MAX_SECONDS = Date.UTC(10000, 0, 1) / 1000;
const ISO_FORMAT = '%Y-%m-%dT%H:%M:%SZ';

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function brokenDownOf(seconds: number): BrokenDown {
  const d = new Date(seconds * 1000);
  const year = d.getUTCFullYear();
  const yday = Math.floor((Date.UTC(year, d.getUTCMonth(), d.getUTCDate()) - Date.UTC(year, 0, 1)) / 86_400_000);
  return [year, d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCDay(), yday];
}

function isIntegerIn(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** The six fields strftime and mktime read, when every one is an ordinary value. */
function ordinaryFields(tm: unknown[]): [number, number, number, number, number, number] | undefined {
  if (tm.length < 6) return undefined;
  const [y, mo, d, h, mi, s] = tm;
  if (!isIntegerIn(y, 1000, 9999) || !isIntegerIn(mo, 0, 11) || !isIntegerIn(d, 1, 31)) return undefined;
  if (!isIntegerIn(h, 0, 23) || !isIntegerIn(mi, 0, 59) || !isIntegerIn(s, 0, 59)) return undefined;
  return [y, mo, d, h, mi, s];
}

type Formatter = (f: [number, number, number, number, number, number]) => string;
const formatters = new Map<string, Formatter | null>();

/** Compiles a strftime format of %Y %m %d %H %M %S %F %T %% and plain text; null for others. */
function formatterFor(format: string): Formatter | null {
  let cached = formatters.get(format);
  if (cached !== undefined) return cached;
  const parts: ((f: [number, number, number, number, number, number]) => string)[] = [];
  let ok = true;
  for (let i = 0; i < format.length && ok; i++) {
    const c = format[i]!;
    if (c !== '%') {
      parts.push(() => c);
      continue;
    }
    const directive = format[++i];
    switch (directive) {
      case 'Y': parts.push((f) => String(f[0])); break;
      case 'm': parts.push((f) => pad2(f[1] + 1)); break;
      case 'd': parts.push((f) => pad2(f[2])); break;
      case 'H': parts.push((f) => pad2(f[3])); break;
      case 'M': parts.push((f) => pad2(f[4])); break;
      case 'S': parts.push((f) => pad2(f[5])); break;
      case 'F': parts.push((f) => `${f[0]}-${pad2(f[1] + 1)}-${pad2(f[2])}`); break;
      case 'T': parts.push((f) => `${pad2(f[3])}:${pad2(f[4])}:${pad2(f[5])}`); break;
      case '%': parts.push(() => '%'); break;
      default: ok = false;
    }
  }
  cached = ok ? (f) => parts.map((p) => p(f)).join('') : null;
  if (formatters.size < 1000) formatters.set(format, cached);
  return cached;
}

function strftime(input: unknown, format: unknown): string {
  if (typeof format !== 'string') return fail('strftime/1 requires a string format');
  let fields: [number, number, number, number, number, number] | undefined;
  if (typeof input === 'number') {
    // jq truncates fractional seconds; before 1970 it is not worth proving how.
    if (!(input >= MIN_SECONDS && input < MAX_SECONDS) || (input < 0 && !Number.isInteger(input))) throw new Bailout('strftime of an unusual time');
    fields = brokenDownOf(Math.trunc(input)).slice(0, 6) as [number, number, number, number, number, number];
  } else if (Array.isArray(input)) {
    fields = ordinaryFields(input);
    if (fields === undefined) throw new Bailout('strftime of unusual broken-down time');
  } else {
    return fail('strftime/1 requires parsed datetime inputs');
  }
  const formatter = formatterFor(format);
  if (formatter === null) throw new Bailout(`strftime directive in ${JSON.stringify(format)}`);
  return formatter(fields);
}

type Parser = (input: string) => BrokenDown | undefined;
const parsers = new Map<string, Parser | 'no-match' | null>();

const FIELD_PATTERN: Record<string, string> = { Y: '(\\d{4})', m: '(\\d{2})', d: '(\\d{2})', H: '(\\d{2})', M: '(\\d{2})', S: '(\\d{2})' };

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/**
 * Compiles a strptime format of %Y %m %d %H %M %S and plain text into a strict matcher (exact
 * field widths, whole input); `undefined` from it means "let jq decide". `%s` never matches in
 * jq-wasm (musl's strptime has no %s), so such a format is `'no-match'`; other directives: null.
 */
function parserFor(format: string): Parser | 'no-match' | null {
  let cached = parsers.get(format);
  if (cached !== undefined) return cached;
  let source = '';
  const order: string[] = [];
  let supported = true;
  let noMatch = false;
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      // Whitespace in a strptime format matches any run of whitespace: leave that to jq.
      if (/\s/.test(c)) supported = supported && c === ' ';
      source += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    const directive = format[++i] ?? '';
    if (directive === 's') noMatch = true;
    else if (directive === '%') source += '%';
    else if (FIELD_PATTERN[directive] !== undefined && !order.includes(directive)) {
      source += FIELD_PATTERN[directive];
      order.push(directive);
    } else supported = false;
  }
  if (noMatch) cached = 'no-match';
  else if (!supported || !['Y', 'm', 'd'].every((d) => order.includes(d))) cached = null;
  else {
    const re = new RegExp(`^${source}$`);
    cached = (input) => {
      const m = re.exec(input);
      if (m === null) return undefined;
      const field = (d: string): number => {
        const at = order.indexOf(d);
        return at === -1 ? 0 : Number(m[at + 1]);
      };
      const [y, mo, d, h, mi, s] = [field('Y'), field('m') - 1, field('d'), field('H'), field('M'), field('S')];
      if (y < 1000 || mo < 0 || mo > 11 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
      const day = Date.UTC(y, mo, d);
      const wday = new Date(day).getUTCDay();
      const yday = Math.round((day - Date.UTC(y, 0, 1)) / 86_400_000);
      return [y, mo, d, h, mi, s, wday, yday];
    };
  }
  if (parsers.size < 1000) parsers.set(format, cached);
  return cached;
}

function strptime(input: unknown, format: unknown): BrokenDown {
  if (typeof input !== 'string' || typeof format !== 'string') return fail('strptime/1 requires string inputs and arguments');
  const parser = parserFor(format);
  if (parser === 'no-match') return fail(`date "${input}" does not match format "${format}"`);
  if (parser === null) throw new Bailout(`strptime directive in ${JSON.stringify(format)}`);
  const tm = parser(input);
  if (tm === undefined) throw new Bailout('strptime input jq may read leniently');
  return tm;
}

function mktime(input: unknown): number {
  if (!Array.isArray(input)) return fail('mktime requires array inputs');
  const f = ordinaryFields(input);
  if (f === undefined) throw new Bailout('mktime of unusual broken-down time');
  return Date.UTC(f[0], f[1], f[2], f[3], f[4], f[5]) / 1000;
}

/** A built-in of one argument evaluated for each of its outputs, like jq's C functions. */
function withArgument(apply: (input: unknown, arg: unknown) => unknown): Builtin {
  return ([arg]) => {
    const a = arg as Compiled;
    if (a.single) return single((input, vars) => apply(input, a.get(input, vars)));
    return multi((input: unknown, vars: Vars, emit) => forEach(a, input, vars, (value) => emit(apply(input, value))));
  };
}

export const DATE_BUILTINS: Record<string, Builtin> = {
  'strftime/1': withArgument(strftime),
  'strptime/1': withArgument(strptime),
  'mktime/0': () => single((input) => mktime(input)),
  'todate/0': () => single((input) => strftime(input, ISO_FORMAT)),
  'todateiso8601/0': () => single((input) => strftime(input, ISO_FORMAT)),
  'fromdate/0': () => single((input) => mktime(strptime(input, ISO_FORMAT))),
  'fromdateiso8601/0': () => single((input) => mktime(strptime(input, ISO_FORMAT))),
  'now/0': () => single(() => Date.now() / 1000),
};
