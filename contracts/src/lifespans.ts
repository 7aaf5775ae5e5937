/**
 * The session lifespans: their keys, units and bounds, and the rules between them. One copy, used
 * by the server (config validation, the admin API) and the admin settings page (inline validation).
 */
export const LIFESPAN_KEYS = [
  'accessTokenLifespan',
  'refreshTokenIdleLifespan',
  'refreshTokenMaxLifespan',
  'reuseGracePeriod',
  'sessionOnlyIdleLifespan',
] as const;
export type LifespanKey = (typeof LIFESPAN_KEYS)[number];
/** Every lifespan in whole seconds. */
export type Lifespans = Record<LifespanKey, number>;

export const UNITS = ['s', 'm', 'h', 'd'] as const;
export type Unit = (typeof UNITS)[number];
export const UNIT_SECONDS: Record<Unit, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Bounds that keep a typo from locking everyone out or minting decade-long sessions. */
export const LIFESPAN_BOUNDS: Record<LifespanKey, [min: number, max: number]> = {
  accessTokenLifespan: [1, 86400],
  refreshTokenIdleLifespan: [60, 365 * 86400],
  refreshTokenMaxLifespan: [60, 365 * 86400],
  reuseGracePeriod: [0, 300],
  sessionOnlyIdleLifespan: [60, 365 * 86400],
};

export type LifespanRule =
  'integer' | 'bounds' | 'accessShorterThanIdle' | 'idleNotLongerThanMax' | 'sessionOnlyLongerThanAccess' | 'sessionOnlyNotLongerThanIdle';

export interface LifespanProblem {
  key: LifespanKey;
  rule: LifespanRule;
  values?: { min: number; max: number };
}

/**
 * Every broken rule, in a stable order; empty when the lifespans are consistent. A value that is
 * `undefined` or not a whole number breaks 'integer', and the rules between lifespans skip it.
 */
export function lifespanProblems(values: Partial<Record<LifespanKey, number | undefined>>): LifespanProblem[] {
  const problems: LifespanProblem[] = [];
  const ok: Partial<Lifespans> = {};
  for (const key of LIFESPAN_KEYS) {
    const value = values[key];
    const [min, max] = LIFESPAN_BOUNDS[key];
    if (value === undefined || !Number.isInteger(value)) {
      problems.push({ key, rule: 'integer', values: { min, max } });
      continue;
    }
    if (value < min || value > max) problems.push({ key, rule: 'bounds', values: { min, max } });
    ok[key] = value;
  }
  const { accessTokenLifespan: access, refreshTokenIdleLifespan: idle, refreshTokenMaxLifespan: max, sessionOnlyIdleLifespan: only } = ok;
  if (access !== undefined && idle !== undefined && access >= idle)
    problems.push({ key: 'accessTokenLifespan', rule: 'accessShorterThanIdle' });
  if (idle !== undefined && max !== undefined && idle > max)
    problems.push({ key: 'refreshTokenIdleLifespan', rule: 'idleNotLongerThanMax' });
  // Only meaningful once access < idle holds (otherwise no value could fit between them).
  if (access !== undefined && idle !== undefined && only !== undefined && access < idle) {
    if (access >= only) problems.push({ key: 'sessionOnlyIdleLifespan', rule: 'sessionOnlyLongerThanAccess' });
    if (only > idle) problems.push({ key: 'sessionOnlyIdleLifespan', rule: 'sessionOnlyNotLongerThanIdle' });
  }
  return problems;
}

/** The remember-me-off idle lifespan when none is set: a day, within the access and idle lifespans. */
export const derivedSessionOnly = (access: number, idle: number): number => Math.min(idle, Math.max(86400, access + 1));
