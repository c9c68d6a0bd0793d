// Notifications, on the Account page: the account's webhooks (add one and see its signing
// secret once, send a test event, see recent deliveries with their status codes, delete) and
// its email settings.
import { useCallback, useEffect, useId, useState } from 'react';
import { Bell, Plus, Send, Trash2, History } from 'lucide-react';
import { api, ApiError, errorText, WEBHOOK_EVENTS, type Delivery, type NotificationSettings, type Webhook } from '../api';
import { CopyButton } from '../components/CopyButton';
import { EmptyState, ErrorMessage, Loading } from '../components/Feedback';
import { ConfirmModal } from '../components/ConfirmModal';
import { Time } from '../components/Time';

const EVENT_LABELS: Record<string, string> = {
  'certificate.issued': 'Issued',
  'certificate.renewed': 'Renewed',
  'certificate.failed': 'Failed',
  'certificate.expiring': 'Expiring (under 7 days, no renewal planned)',
  'certificate.renewal_overdue': 'Renewal overdue',
};

/** The Account page's notification cards: webhooks and email. */
export function NotificationsSections() {
  return (
    <>
      <WebhooksSection />
      <EmailSection />
    </>
  );
}

function WebhooksSection() {
  const id = useId();
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [loadError, setLoadError] = useState('');
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['certificate.issued', 'certificate.failed']);
  const [busy, setBusy] = useState(false);
  const [createError, setCreateError] = useState('');
  const [created, setCreated] = useState<Webhook | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const [notice, setNotice] = useState('');

  const load = useCallback(async () => {
    try {
      setHooks((await api.webhooks()).webhooks);
      setLoadError('');
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) setLoadError(errorText(error));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="card" aria-labelledby="webhooks-title">
      <div className="card-header">
        <div>
          <h2 id="webhooks-title" className="card-title">
            Webhooks
          </h2>
          <p className="muted small">
            Hear about your certificates (issued, renewed, failed, overdue renewals, expiry): each event is POSTed
            as JSON, signed with <span className="mono">X-CertaDNS-Signature</span>.
          </p>
        </div>
      </div>
      <form
        className="form"
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setCreateError('');
          try {
            const hook = await api.createWebhook(url.trim(), events);
            setCreated(hook);
            setUrl('');
            await load();
          } catch (error) {
            setCreateError(errorText(error));
          } finally {
            setBusy(false);
          }
        }}
      >
        <div className="field">
          <label htmlFor={`${id}-url`}>Webhook URL</label>
          <input
            id={`${id}-url`}
            type="url"
            placeholder="https://example.com/certadns-hook"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
          />
        </div>
        <fieldset className="field">
          <legend>Events</legend>
          {WEBHOOK_EVENTS.map((type) => (
            <div className="checkbox-field" key={type}>
              <input
                id={`${id}-${type}`}
                type="checkbox"
                checked={events.includes(type)}
                onChange={(e) =>
                  setEvents((now) => (e.target.checked ? [...now, type] : now.filter((t) => t !== type)))
                }
              />
              <label htmlFor={`${id}-${type}`}>{EVENT_LABELS[type]}</label>
            </div>
          ))}
        </fieldset>
        <ErrorMessage>{createError}</ErrorMessage>
        <button type="submit" className="button button-primary" disabled={busy || !url.trim() || events.length === 0}>
          <Plus aria-hidden="true" size={16} />
          <span>Add webhook</span>
        </button>
      </form>

      {created?.secret && (
        <div className="new-key">
          <div className="field">
            <label htmlFor={`${id}-secret`}>Signing secret</label>
            <div className="input-with-button">
              <input
                id={`${id}-secret`}
                type="text"
                readOnly
                value={created.secret}
                className="mono-input"
                onFocus={(e) => e.target.select()}
              />
              <CopyButton text={created.secret} label="Copy signing secret" />
            </div>
            <p className="help warning-text">
              Copy it now: it is shown only once. Check each delivery with HMAC-SHA256(secret, "t.body").
            </p>
          </div>
          <button type="button" className="button button-ghost button-small" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}

      <ErrorMessage>{loadError}</ErrorMessage>
      {notice && (
        <p role="status" className="muted small">
          {notice}
        </p>
      )}
      {hooks === null && !loadError && <Loading label="Loading webhooks…" />}
      {hooks !== null && hooks.length === 0 && (
        <EmptyState icon={<Bell size={28} />} title="No webhooks yet">
          <p>Add a URL to receive certificate events.</p>
        </EmptyState>
      )}
      {hooks !== null && hooks.length > 0 && (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Created</th>
                <th scope="col" className="actions-col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {hooks.map((hook) => (
                <tr key={hook.id}>
                  <td data-label="URL">
                    <span className="mono">{hook.url}</span>
                  </td>
                  <td data-label="Events">{hook.events.map((e) => EVENT_LABELS[e] ?? e).join(', ')}</td>
                  <td data-label="Created">
                    <Time iso={hook.created_at} />
                  </td>
                  <td data-label="Actions" className="actions-col">
                    <div className="row-actions">
                      <button
                        type="button"
                        className="icon-button"
                        aria-label={`Send a test event to ${hook.url}`}
                        title="Send a test event"
                        onClick={async () => {
                          try {
                            await api.testWebhook(hook.id);
                            setNotice(`Test event queued for ${hook.url}.`);
                            setShown(hook.id);
                          } catch (error) {
                            setNotice(errorText(error));
                          }
                        }}
                      >
                        <Send aria-hidden="true" size={17} />
                      </button>
                      <button
                        type="button"
                        className="icon-button"
                        aria-label={`Deliveries to ${hook.url}`}
                        title="Recent deliveries"
                        onClick={() => setShown(shown === hook.id ? null : hook.id)}
                      >
                        <History aria-hidden="true" size={17} />
                      </button>
                      <button
                        type="button"
                        className="icon-button danger"
                        aria-label={`Delete webhook ${hook.url}`}
                        title="Delete webhook"
                        onClick={() => setDeleting(hook)}
                      >
                        <Trash2 aria-hidden="true" size={17} />
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {shown && <DeliveriesList webhookId={shown} />}
      {deleting && (
        <ConfirmModal
          title="Delete webhook?"
          confirmLabel="Delete"
          busyLabel="Deleting…"
          danger
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.deleteWebhook(deleting.id);
            if (shown === deleting.id) setShown(null);
            setDeleting(null);
            await load();
          }}
        >
          <p>
            <span className="mono">{deleting.url}</span> will receive no more events.
          </p>
        </ConfirmModal>
      )}
    </section>
  );
}

function DeliveriesList({ webhookId }: { webhookId: string }) {
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const body = await api.webhookDeliveries(webhookId);
        if (live) setDeliveries(body.deliveries);
      } catch (e) {
        if (live) setError(errorText(e));
      }
    };
    void load();
    const timer = window.setInterval(() => void load(), 3000);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [webhookId]);
  return (
    <div aria-label="Recent deliveries" role="region">
      <h3 className="card-title">Recent deliveries</h3>
      <ErrorMessage>{error}</ErrorMessage>
      {deliveries === null && !error && <Loading label="Loading deliveries…" />}
      {deliveries !== null && deliveries.length === 0 && <p className="muted small">No deliveries yet.</p>}
      {deliveries !== null && deliveries.length > 0 && (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">State</th>
                <th scope="col">Status code</th>
                <th scope="col">Attempts</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {deliveries.map((d) => (
                <tr key={d.id}>
                  <td data-label="Event">
                    <span className="mono">{d.event_type}</span>
                  </td>
                  <td data-label="State" title={d.error || undefined}>
                    {d.state}
                    {d.error ? ` (${d.error})` : ''}
                  </td>
                  <td data-label="Status code">{d.status_code ?? '—'}</td>
                  <td data-label="Attempts">{d.attempts}</td>
                  <td data-label="Created">
                    <Time iso={d.created_at} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function EmailSection() {
  const id = useId();
  const [settings, setSettings] = useState<NotificationSettings | null>(null);
  const [error, setError] = useState('');
  const [saved, setSaved] = useState('');
  useEffect(() => {
    api
      .notificationSettings()
      .then(setSettings)
      .catch((e) => {
        if (!(e instanceof ApiError && e.status === 401)) setError(errorText(e));
      });
  }, []);
  const save = async (email: { enabled: boolean; success: boolean }) => {
    setSaved('');
    setError('');
    // Shown at once; the server's answer (or the old value, on an error) follows.
    const before = settings;
    setSettings((now) => (now ? { email: { ...now.email, ...email } } : now));
    try {
      setSettings(await api.putNotificationSettings(email));
      setSaved('Email settings saved');
    } catch (e) {
      setSettings(before);
      setError(errorText(e));
    }
  };
  return (
    <section className="card" aria-labelledby="email-title">
      <h2 id="email-title" className="card-title">
        Email notifications
      </h2>
      <ErrorMessage>{error}</ErrorMessage>
      {settings === null && !error && <Loading label="Loading email settings…" />}
      {settings && (
        <>
          <p className="muted small">
            Sent to <strong>{settings.email.address}</strong>
            {settings.email.available === false && ' once the operator configures an SMTP relay'}.
          </p>
          <div className="checkbox-field">
            <input
              id={`${id}-enabled`}
              type="checkbox"
              checked={settings.email.enabled}
              onChange={(e) => void save({ enabled: e.target.checked, success: settings.email.success })}
            />
            <label htmlFor={`${id}-enabled`}>Email me about failures, overdue renewals and expiring certificates</label>
          </div>
          <div className="checkbox-field">
            <input
              id={`${id}-success`}
              type="checkbox"
              checked={settings.email.success}
              disabled={!settings.email.enabled}
              onChange={(e) => void save({ enabled: settings.email.enabled, success: e.target.checked })}
            />
            <label htmlFor={`${id}-success`}>Also email me when a certificate is issued or renewed</label>
          </div>
          {saved && (
            <p role="status" className="muted small">
              {saved}
            </p>
          )}
        </>
      )}
    </section>
  );
}
