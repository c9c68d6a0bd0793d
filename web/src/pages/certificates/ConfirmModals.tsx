import { useState } from 'react';
import { api, errorText, type Certificate } from '../../api';
import { Modal } from '../../components/Modal';
import { ErrorMessage } from '../../components/Feedback';

interface Props {
  cert: Certificate;
  onClose: () => void;
  /** For a deletion: whether the certificate was revoked too. */
  onDone: (revoked: boolean) => void | Promise<void>;
}

export function RenewModal({ cert, onClose, onDone }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  return (
    <Modal
      title="Renew certificate?"
      size="small"
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="button button-secondary" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button
            type="button"
            className="button button-primary"
            data-autofocus
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              setError('');
              try {
                await api.renew(cert.id);
                await onDone(false);
              } catch (err) {
                setError(errorText(err));
                setBusy(false);
              }
            }}
          >
            {busy ? 'Renewing…' : 'Renew'}
          </button>
        </>
      }
    >
      <p>
        CertaDNS will repeat the DNS-01 challenge for <span className="mono">{cert.domain}</span>
        {cert.sans.length > 0 && ` and its ${cert.sans.length} additional ${cert.sans.length === 1 ? 'name' : 'names'}`}{' '}
        and replace the certificate with a new one. The status shows <strong>validating</strong> until it is done.
      </p>
      <ErrorMessage>{error}</ErrorMessage>
    </Modal>
  );
}

export function DeleteModal({ cert, onClose, onDone }: Props) {
  const [busy, setBusy] = useState(false);
  const [revoke, setRevoke] = useState(false);
  const [error, setError] = useState('');
  const canRevoke = cert.status === 'issued' || cert.status === 'expired' || Boolean(cert.issued_at);
  return (
    <Modal
      title="Delete certificate?"
      size="small"
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="button button-secondary" onClick={onClose} disabled={busy} data-autofocus>
            Cancel
          </button>
          <button
            type="button"
            className="button button-danger"
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              setError('');
              try {
                const result = await api.deleteCertificate(cert.id, revoke);
                await onDone(result.revoked);
              } catch (err) {
                setError(errorText(err));
                setBusy(false);
              }
            }}
          >
            {busy ? (revoke ? 'Revoking…' : 'Deleting…') : 'Delete'}
          </button>
        </>
      }
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
      <ErrorMessage>{error}</ErrorMessage>
    </Modal>
  );
}
