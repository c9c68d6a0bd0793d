import { useState } from 'react';
import { api, type Certificate } from '../../api';
import { ConfirmModal } from '../../components/ConfirmModal';

interface Props {
  cert: Certificate;
  onClose: () => void;
  /** For a deletion: whether the certificate was revoked too. */
  onDone: (revoked: boolean) => void | Promise<void>;
}

export function RenewModal({ cert, onClose, onDone }: Props) {
  return (
    <ConfirmModal
      title="Renew certificate?"
      confirmLabel="Renew"
      busyLabel="Renewing…"
      onClose={onClose}
      onConfirm={async () => {
        await api.renew(cert.id);
        await onDone(false);
      }}
    >
      <p>
        CertaDNS will repeat the DNS-01 challenge for <span className="mono">{cert.domain}</span>
        {cert.sans.length > 0 && ` and its ${cert.sans.length} additional ${cert.sans.length === 1 ? 'name' : 'names'}`}{' '}
        and replace the certificate with a new one. The status shows <strong>validating</strong> until it is done.
      </p>
    </ConfirmModal>
  );
}

export function DeleteModal({ cert, onClose, onDone }: Props) {
  const [revoke, setRevoke] = useState(false);
  const canRevoke = cert.status === 'issued' || cert.status === 'expired' || Boolean(cert.issued_at);
  return (
    <ConfirmModal
      title="Delete certificate?"
      confirmLabel="Delete"
      busyLabel={revoke ? 'Revoking…' : 'Deleting…'}
      danger
      onClose={onClose}
      onConfirm={async () => {
        const result = await api.deleteCertificate(cert.id, revoke);
        await onDone(result.revoked);
      }}
    >
      <p>
        The certificate for <span className="mono">{cert.domain}</span> and its private key will be removed from
        CertaDNS. This cannot be undone.
      </p>
      <div className="checkbox-field">
        <input
          id="delete-revoke"
          type="checkbox"
          checked={revoke}
          onChange={(e) => setRevoke(e.target.checked)}
          aria-describedby="delete-revoke-help"
        />
        <div>
          <label htmlFor="delete-revoke">Revoke with Let's Encrypt</label>
          <p id="delete-revoke-help" className="help">
            {canRevoke
              ? 'Recommended if the private key may be compromised: browsers will stop trusting this certificate.'
              : 'This certificate was never issued, so there is nothing to revoke.'}
          </p>
        </div>
      </div>
    </ConfirmModal>
  );
}
