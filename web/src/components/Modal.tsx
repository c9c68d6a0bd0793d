import { useEffect, useId, useRef, type ReactNode } from 'react';
import { X } from 'lucide-react';

interface ModalProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** Buttons at the bottom, right aligned. */
  footer?: ReactNode;
  size?: 'small' | 'medium' | 'large';
  /** While true, Escape and the close button do nothing (a request is on its way). */
  busy?: boolean;
}

/**
 * A native modal <dialog>: showModal() traps focus and makes the rest of the page inert;
 * Escape closes it; focus goes back to the element that opened it.
 * Render it only while open: `{open && <Modal …/>}`.
 */
export function Modal({ title, onClose, children, footer, size = 'medium', busy = false }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  const busyRef = useRef(busy);
  busyRef.current = busy;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    // showModal() focuses the first focusable element (the Dismiss button); a dialog that
    // names a better start (data-autofocus: "Renew", "Cancel" on destructive ones) gets it.
    dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    const onCancel = (event: Event) => {
      event.preventDefault();
      if (!busyRef.current) onCloseRef.current();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      // The opener may have been re-rendered away (a list refresh): only focus it if it is still there.
      if (opener && opener.isConnected) opener.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      className={`modal modal-${size}`}
      aria-labelledby={titleId}
      onMouseDown={(event) => {
        // A click on the backdrop (the dialog element itself, outside its content) closes it.
        if (event.target === ref.current && !busyRef.current) onCloseRef.current();
      }}
    >
      <div className="modal-content">
        <header className="modal-header">
          <h2 id={titleId}>{title}</h2>
          <button
            type="button"
            className="icon-button"
            aria-label="Dismiss"
            title="Dismiss (Esc)"
            onClick={() => !busy && onClose()}
          >
            <X aria-hidden="true" size={18} />
          </button>
        </header>
        <div className="modal-body">{children}</div>
        {footer && <footer className="modal-footer">{footer}</footer>}
      </div>
    </dialog>
  );
}
