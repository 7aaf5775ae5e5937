/** Lifespans are written as a number of seconds or as a string such as '15m', '7d', '90s'. */
export type Duration = number | string;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
const DURATION = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/;

/** Parses a lifespan into whole seconds; returns null for anything it does not understand. */
export function parseDuration(value: unknown): number | null {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value > 0 ? Math.floor(value) : null;
  }
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) > 0 ? Number(trimmed) : null;
  const match = DURATION.exec(trimmed);
  if (!match) return null;
  const seconds = Math.floor(Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS]);
  return seconds > 0 ? seconds : null;
}

/** The largest unit that divides the seconds exactly: 900 -> '15m'. For messages and the admin UI. */
export function formatDuration(seconds: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    if (seconds % UNIT_SECONDS[unit] === 0) return `${seconds / UNIT_SECONDS[unit]}${unit}`;
  }
  return `${seconds}s`;
}

/** Like parseDuration, but zero in any spelling (0, '0', '0s', '0m') is 0: for values where 0 means "off". */
export function parseDurationOrZero(value: unknown): number | null {
  if (value === 0) return 0;
  if (typeof value === 'string' && /^0+(?:\.0+)?\s*[smhd]?$/.test(value.trim())) return 0;
  return parseDuration(value);
}
