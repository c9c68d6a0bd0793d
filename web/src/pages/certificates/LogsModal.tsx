import { useEffect, useState } from 'react';
import { api, errorText, type Certificate, type CertificateEvent } from '../../api';
import { Modal } from '../../components/Modal';
import { ErrorMessage, Loading } from '../../components/Feedback';
import { Time } from '../../components/Time';

export function LogsModal({ cert, onClose }: { cert: Certificate; onClose: () => void }) {
  const [events, setEvents] = useState<CertificateEvent[] | null>(null);
  const [error, setError] = useState('');

  const busy = cert.status === 'pending' || cert.status === 'validating';

  // Read on open and whenever the status changes; while the certificate is being worked on,
  // every 2 seconds so new events appear as they happen.
  useEffect(() => {
    let live = true;
    let timer: number | undefined;
    const read = () =>
      api
        .certificateLogs(cert.id)
        .then((body) => {
          if (!live) return;
          setEvents(body.logs);
          setError('');
        })
        .catch((err) => live && setError(errorText(err)))
        .finally(() => {
          if (live && busy) timer = window.setTimeout(read, 2000);
        });
    void read();
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [cert.id, cert.status, busy]);

  return (
    <Modal
      title={`Logs for ${cert.domain}`}
      size="large"
      onClose={onClose}
      footer={
        <button type="button" className="button button-secondary" onClick={onClose}>
          Close
        </button>
      }
    >
      <ErrorMessage>{error}</ErrorMessage>
      {events === null && !error && <Loading label="Loading logs…" />}
      {events !== null && events.length === 0 && <p className="muted">No events recorded yet.</p>}
      {events !== null && events.length > 0 && (
        <ol className="log-list">
          {events.map((event, index) => (
            <li key={index} className={`log log-${event.level}`}>
              <span className="log-time">
                <Time iso={event.timestamp} />
              </span>
              <span className={`log-level level-${event.level}`}>{event.level}</span>
              <span className="log-message">{event.message}</span>
            </li>
          ))}
        </ol>
      )}
    </Modal>
  );
}
