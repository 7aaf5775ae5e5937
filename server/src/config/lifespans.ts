import { derivedSessionOnly, lifespanProblems, type LifespanProblem, type Lifespans } from '../../../contracts/src/lifespans';
import { parseDuration, parseDurationOrZero, type Duration } from './duration';

export { LIFESPAN_KEYS, LIFESPAN_BOUNDS, derivedSessionOnly, type LifespanKey, type Lifespans } from '../../../contracts/src/lifespans';

/** The server's wording of a broken lifespan rule (the admin page words them through its translations). */
function message({ key, rule, values }: LifespanProblem): string {
  switch (rule) {
    case 'integer':
    case 'bounds':
      return `${key} must be between ${values!.min} and ${values!.max} seconds`;
    case 'accessShorterThanIdle':
      return 'accessTokenLifespan must be shorter than refreshTokenIdleLifespan';
    case 'idleNotLongerThanMax':
      return 'refreshTokenIdleLifespan must not be longer than refreshTokenMaxLifespan';
    case 'sessionOnlyLongerThanAccess':
      return 'sessionOnlyIdleLifespan must be longer than accessTokenLifespan';
    case 'sessionOnlyNotLongerThanIdle':
      return 'sessionOnlyIdleLifespan must not be longer than refreshTokenIdleLifespan';
  }
}

/** Every broken rule as [key, message]; empty when the lifespans are consistent. */
export const lifespanErrors = (l: Lifespans): Array<[keyof Lifespans, string]> => lifespanProblems(l).map((p) => [p.key, message(p)]);

/** Seconds of a validated duration where 0 is allowed (grace period, retention, cache TTL). */
export const secondsOrZero = (value: Duration): number => parseDurationOrZero(value) as number;

/** The lifespans of a validated config, in seconds. */
export function lifespansOf(config: Partial<Record<keyof Lifespans, Duration>>): Lifespans {
  const access = parseDuration(config.accessTokenLifespan) as number;
  const idle = parseDuration(config.refreshTokenIdleLifespan) as number;
  return {
    accessTokenLifespan: access,
    refreshTokenIdleLifespan: idle,
    refreshTokenMaxLifespan: parseDuration(config.refreshTokenMaxLifespan) as number,
    reuseGracePeriod: secondsOrZero(config.reuseGracePeriod as Duration),
    sessionOnlyIdleLifespan: parseDuration(config.sessionOnlyIdleLifespan) ?? derivedSessionOnly(access, idle),
  };
}
