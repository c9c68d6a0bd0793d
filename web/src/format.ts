// Names, dates and countdowns as the dashboard shows them.

export const PLAN_NAMES: Record<string, string> = { free: 'Free', plus: 'Plus', pro: 'Pro', elite: 'Elite' };

export function planName(plan: string): string {
  return PLAN_NAMES[plan.toLowerCase()] ?? plan;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function formatDate(iso: string, withTime = true): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return (withTime ? dateTime : dateOnly).format(d);
}

/** The exact time in UTC, for the title on hover: "2026-04-15 10:30:00 UTC". */
export function exactUtc(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, '')} UTC`;
}

const DAY = 24 * 60 * 60 * 1000;

export type Urgency = 'ok' | 'soon' | 'urgent';

/** "in 89 days" and its colour: green > 30 days, yellow 7–30, red < 7. */
export function countdown(expiresIso: string, now = Date.now()): { text: string; urgency: Urgency } {
  const ms = new Date(expiresIso).getTime() - now;
  const days = ms / DAY;
  const urgency: Urgency = days > 30 ? 'ok' : days >= 7 ? 'soon' : 'urgent';
  if (ms <= 0) {
    const ago = Math.floor(-ms / DAY);
    return { text: ago === 0 ? 'expired today' : `expired ${ago} ${ago === 1 ? 'day' : 'days'} ago`, urgency };
  }
  const whole = Math.floor(days);
  if (whole === 0) {
    const hours = Math.max(1, Math.floor(ms / (60 * 60 * 1000)));
    return { text: `in ${hours} ${hours === 1 ? 'hour' : 'hours'}`, urgency };
  }
  return { text: `in ${whole} ${whole === 1 ? 'day' : 'days'}`, urgency };
}

/** A DNS name as compared: lower case, no trailing dot, no surrounding space. */
export function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/** True when `name` (or the name a wildcard covers) is the zone or under it. */
export function isUnderZone(name: string, zone: string): boolean {
  const n = normalizeName(name).replace(/^\*\./, '');
  const z = normalizeName(zone);
  return n === z || n.endsWith(`.${z}`);
}

/** The file name for a download: "*" in wildcards becomes "_wildcard". */
export function fileBase(domain: string): string {
  return domain.replace(/\*/g, '_wildcard');
}
