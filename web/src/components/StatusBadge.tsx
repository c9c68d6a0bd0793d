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

const HINTS: Partial<Record<CertificateStatus, string>> = {
  pending: 'Waiting to start; issuance usually completes within a minute',
  validating: 'The ACME DNS-01 challenge is in progress',
  failed: 'Issuance failed; the logs say why',
  expired: 'Past its expiration date; renew it',
  revoked: 'Revoked with Let\'s Encrypt',
};

/** The spec's badge: issued green, pending/validating yellow (animated), failed red, expired orange, revoked gray. */
export function StatusBadge({ status }: { status: CertificateStatus }) {
  const Icon = ICONS[status] ?? AlertCircle;
  const busy = status === 'pending' || status === 'validating';
  return (
    <span className={`badge badge-${status}`} title={HINTS[status]}>
      <Icon aria-hidden="true" size={14} className={busy ? 'spin-slow' : undefined} />
      {status}
    </span>
  );
}
