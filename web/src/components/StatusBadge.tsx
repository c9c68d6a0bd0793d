import { AlertCircle, Ban, CheckCircle, Clock, XCircle } from 'lucide-react';
import type { CertificateStatus } from '../api';

const ICONS = {
  issued: CheckCircle,
  pending: Clock,
  validating: Clock,
  failed: XCircle,
  expired: AlertCircle,
  revoked: Ban,
} as const;

/** The spec's badge: issued green, pending/validating yellow (animated), failed red, expired orange, revoked gray. */
export function StatusBadge({ status }: { status: CertificateStatus }) {
  const Icon = ICONS[status] ?? AlertCircle;
  const busy = status === 'pending' || status === 'validating';
  return (
    <span className={`badge badge-${status}`}>
      <Icon aria-hidden="true" size={14} className={busy ? 'spin-slow' : undefined} />
      {status}
    </span>
  );
}
