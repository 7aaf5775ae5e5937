import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../server/src/config/duration';

describe('parseDuration', () => {
  it.each([
    ['15m', 900],
    ['7d', 604800],
    ['30d', 2592000],
    ['10s', 10],
    ['1.5h', 5400],
    [' 2 m ', 120],
    ['45', 45],
    [3600, 3600],
  ])('%j is %i seconds', (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each([['15x'], ['m'], [''], ['-5m'], [0], [-1], [NaN], [Infinity], [null], [undefined], [{}], [[]], ['1e3s'], ['0s']])(
    '%j is refused',
    (input) => {
      expect(parseDuration(input)).toBeNull();
    }
  );

  it('round-trips through formatDuration for every positive whole number of seconds', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 ** 9 }), (seconds) => parseDuration(formatDuration(seconds)) === seconds));
  });
});
