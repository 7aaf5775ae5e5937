/**
 * The lifespan rules of the server (server/src/config/index.ts: LIFESPAN_BOUNDS, lifespanErrors),
 * repeated here for inline validation; the server checks again and its field errors are shown too.
 */
export const LIFESPAN_KEYS = [
  'accessTokenLifespan',
  'refreshTokenIdleLifespan',
  'refreshTokenMaxLifespan',
  'reuseGracePeriod',
  'sessionOnlyIdleLifespan',
] as const;
export type LifespanKey = (typeof LIFESPAN_KEYS)[number];
export type Lifespans = Record<LifespanKey, number>;

export const BOUNDS: Record<LifespanKey, [number, number]> = {
  accessTokenLifespan: [1, 86400],
  refreshTokenIdleLifespan: [60, 365 * 86400],
  refreshTokenMaxLifespan: [60, 365 * 86400],
  reuseGracePeriod: [0, 300],
  sessionOnlyIdleLifespan: [60, 365 * 86400],
};

export const UNITS = ['s', 'm', 'h', 'd'] as const;
export type Unit = (typeof UNITS)[number];
export const UNIT_SECONDS: Record<Unit, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** The largest unit that divides the seconds exactly: 900 -> { amount: 15, unit: 'm' }. */
export function split(seconds: number): { amount: number; unit: Unit } {
  if (seconds > 0) {
    for (const unit of ['d', 'h', 'm'] as const) {
      if (seconds % UNIT_SECONDS[unit] === 0) return { amount: seconds / UNIT_SECONDS[unit], unit };
    }
  }
  return { amount: seconds, unit: 's' };
}

/** A validation problem: a translation key (without the plugin prefix) and its values. */
export interface Problem {
  id: string;
  values?: Record<string, string | number>;
}

/** Every broken rule per field, same rules as the server. `undefined` seconds = not a whole number. */
export function validate(values: Record<LifespanKey, number | undefined>): Partial<Record<LifespanKey, Problem>> {
  const problems: Partial<Record<LifespanKey, Problem>> = {};
  for (const key of LIFESPAN_KEYS) {
    const value = values[key];
    const [min, max] = BOUNDS[key];
    if (value === undefined || !Number.isInteger(value)) problems[key] = { id: 'validation.integer' };
    else if (value < min || value > max) problems[key] = { id: 'validation.bounds', values: { min, max } };
  }
  const { accessTokenLifespan: access, refreshTokenIdleLifespan: idle, refreshTokenMaxLifespan: max } = values;
  if (!problems.accessTokenLifespan && !problems.refreshTokenIdleLifespan && access! >= idle!) {
    problems.accessTokenLifespan = { id: 'validation.accessShorterThanIdle' };
  }
  if (!problems.refreshTokenIdleLifespan && !problems.refreshTokenMaxLifespan && idle! > max!) {
    problems.refreshTokenIdleLifespan = { id: 'validation.idleNotLongerThanMax' };
  }
  // sessionOnlyIdleLifespan is only checked for its bounds here: set nowhere, the server derives it
  // from the access and idle lifespans being saved, and answers field errors for a bad explicit value.
  return problems;
}
