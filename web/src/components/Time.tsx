import { exactUtc, formatDate } from '../format';

/** A date in the user's locale, with the exact UTC time on hover. */
export function Time({ iso, withTime = true }: { iso: string; withTime?: boolean }) {
  return (
    <time dateTime={iso} title={exactUtc(iso)}>
      {formatDate(iso, withTime)}
    </time>
  );
}
