/** The lifespan rules come from contracts/ (the server checks the same, and its field errors are shown too). */
import { lifespanProblems, UNIT_SECONDS, type LifespanKey, type Unit } from '../../../contracts/src/lifespans';

export { LIFESPAN_KEYS, UNIT_SECONDS, UNITS, type LifespanKey, type Lifespans, type Unit } from '../../../contracts/src/lifespans';

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

/**
 * The first broken rule per field, worded through the admin's translations. sessionOnlyIdleLifespan
 * is checked for its bounds only: set nowhere, the server derives it from the lifespans being saved.
 */
export function validate(values: Record<LifespanKey, number | undefined>): Partial<Record<LifespanKey, Problem>> {
  const problems: Partial<Record<LifespanKey, Problem>> = {};
  for (const { key, rule, values: bounds } of lifespanProblems(values)) {
    if (problems[key] || rule.startsWith('sessionOnly')) continue;
    problems[key] = { id: `validation.${rule}`, ...(rule === 'bounds' && bounds ? { values: bounds } : {}) };
  }
  return problems;
}
