import { useState, type ReactNode } from 'react';
import { errorText } from '../api';
import { Modal } from './Modal';
import { ErrorMessage } from './Feedback';

interface ConfirmModalProps {
  title: string;
  /** The confirming button's label, and its label while the action runs ("Revoke", "Revoking…"). */
  confirmLabel: string;
  busyLabel: string;
  /** Destructive actions get a red button and start with the focus on Cancel. */
  danger?: boolean;
  /** Runs on confirm; a thrown error is shown in the dialog (the API's detail) and the dialog stays. */
  onConfirm: () => Promise<void>;
  onClose: () => void;
  children: ReactNode;
}

/** A confirmation dialog: what will happen (children), Cancel, and the action with its errors in words. */
export function ConfirmModal({ title, confirmLabel, busyLabel, danger = false, onConfirm, onClose, children }: ConfirmModalProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  return (
    <Modal
      title={title}
      size="small"
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="button button-secondary" onClick={onClose} disabled={busy} data-autofocus={danger || undefined}>
            Cancel
          </button>
          <button
            type="button"
            className={danger ? 'button button-danger' : 'button button-primary'}
            data-autofocus={!danger || undefined}
            disabled={busy}
            onClick={async () => {
              setBusy(true);
              setError('');
              try {
                await onConfirm();
              } catch (err) {
                setError(errorText(err));
                setBusy(false);
              }
            }}
          >
            {busy ? busyLabel : confirmLabel}
          </button>
        </>
      }
    >
      {children}
      <ErrorMessage>{error}</ErrorMessage>
    </Modal>
  );
}
