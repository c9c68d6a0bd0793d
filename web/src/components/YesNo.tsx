import { CheckCircle, XCircle } from 'lucide-react';

/** A green check or red X with an accessible name ("Yes"/"No" unless told). */
export function YesNo({ value, yes = 'Yes', no = 'No' }: { value: boolean; yes?: string; no?: string }) {
  return value ? (
    <span role="img" aria-label={yes} title={yes} className="yes">
      <CheckCircle aria-hidden="true" size={18} />
    </span>
  ) : (
    <span role="img" aria-label={no} title={no} className="no">
      <XCircle aria-hidden="true" size={18} />
    </span>
  );
}
