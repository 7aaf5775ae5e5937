import type { IntlShape } from 'react-intl';
import { getTrad } from './getTrad';
import { split } from './lifespans';

/** 900 -> "15 minutes", in the admin's language. */
export function formatSeconds(formatMessage: IntlShape['formatMessage'], seconds: number): string {
  const { amount, unit } = split(seconds);
  return formatMessage({ id: getTrad(`duration.${unit}`), defaultMessage: '{count} {count}' }, { count: amount });
}
