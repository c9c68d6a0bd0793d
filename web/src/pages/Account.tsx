import { useCallback, useEffect, useState } from 'react';
import { KeyRound, Plus, Trash2 } from 'lucide-react';
import { api, ApiError, errorText, type ApiKey } from '../api';
import { useSession } from '../session';
import { planName } from '../format';
import { CopyButton } from '../components/CopyButton';
import { EmptyState, ErrorMessage, Loading } from '../components/Feedback';
import { ConfirmModal } from '../components/ConfirmModal';
import { Time } from '../components/Time';
import { NotificationsSections } from './Notifications';

export function AccountPage() {
  const { me } = useSession();
  useEffect(() => {
    document.title = 'Account · CertaDNS';
  }, []);
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Account</h1>
          <p className="muted">
            Signed in as <strong>{me.email}</strong> on the <strong>{planName(me.plan)}</strong> plan.
          </p>
        </div>
      </div>
      <ApiKeysSection />
      <NotificationsSections />
      <PasswordSection />
    </div>
  );
}

function ApiKeysSection() {
  const { me } = useSession();
  const paid = me.plan.toLowerCase() !== 'free';
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [loadError, setLoadError] = useState('');
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState('');
  const [created, setCreated] = useState<ApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  const load = useCallback(async () => {
    try {
      const body = await api.apiKeys();
      setKeys(body.api_keys);
      setLoadError('');
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) setLoadError(errorText(error));
    }
  }, []);

  useEffect(() => {
    if (paid) void load();
  }, [paid, load]);

  return (
    <section className="card" aria-labelledby="api-keys-title">
      <div className="card-header">
        <div>
          <h2 id="api-keys-title" className="card-title">
            API keys
          </h2>
          <p className="muted small">Use an API key as a Bearer token to call the CertaDNS API from scripts and CI.</p>
        </div>
        {paid && (
          <button
            type="button"
            className="button button-primary"
            disabled={creating}
            onClick={async () => {
              setCreating(true);
              setCreateError('');
              try {
                const key = await api.createApiKey();
                setCreated(key);
                await load();
              } catch (error) {
                setCreateError(errorText(error));
              } finally {
                setCreating(false);
              }
            }}
          >
            <Plus aria-hidden="true" size={16} />
            <span>Create API key</span>
          </button>
        )}
      </div>

      {!paid && (
        <div className="alert alert-info">
          <KeyRound aria-hidden="true" size={18} />
          <div>API keys require a paid plan (Plus, Pro or Elite).</div>
        </div>
      )}

      <ErrorMessage>{createError}</ErrorMessage>

      {created?.key && (
        <div className="new-key">
          <div className="field">
            <label htmlFor="new-api-key">New API key</label>
            <div className="input-with-button">
              <input id="new-api-key" type="text" readOnly value={created.key} className="mono-input" onFocus={(e) => e.target.select()} />
              <CopyButton text={created.key} label="Copy API key" />
            </div>
            <p className="help warning-text">
              Copy it now and store it safely. It is shown only once; if you lose it, revoke it and create a new one.
            </p>
          </div>
          <button type="button" className="button button-ghost button-small" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}

      {paid && (
        <>
          <ErrorMessage>{loadError}</ErrorMessage>
          {keys === null && !loadError && <Loading label="Loading API keys…" />}
          {keys !== null && keys.length === 0 && (
            <EmptyState icon={<KeyRound size={28} />} title="No API keys yet">
              <p>Create a key to use the API.</p>
            </EmptyState>
          )}
          {keys !== null && keys.length > 0 && (
            <div className="table-scroll">
              <table className="table key-table">
                <thead>
                  <tr>
                    <th scope="col">Prefix</th>
                    <th scope="col">Created</th>
                    <th scope="col">Last used</th>
                    <th scope="col" className="actions-col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {keys.map((key) => (
                    <tr key={key.id}>
                      <td data-label="Prefix">
                        <span className="mono">{key.prefix}…</span>
                      </td>
                      <td data-label="Created">
                        <Time iso={key.created_at} />
                      </td>
                      <td data-label="Last used">
                        {key.last_used_at ? <Time iso={key.last_used_at} /> : <span className="muted">Never</span>}
                      </td>
                      <td data-label="Actions" className="actions-col">
                        <div className="row-actions">
                          <button
                            type="button"
                            className="icon-button danger"
                            aria-label={`Revoke API key ${key.prefix}`}
                            title={`Revoke API key ${key.prefix}`}
                            onClick={() => setRevoking(key)}
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
        </>
      )}

      {revoking && (
        <RevokeKeyModal
          apiKey={revoking}
          onClose={() => setRevoking(null)}
          onRevoked={async () => {
            if (created?.id === revoking.id) setCreated(null);
            setRevoking(null);
            await load();
          }}
        />
      )}
    </section>
  );
}

function RevokeKeyModal({
  apiKey,
  onClose,
  onRevoked,
}: {
  apiKey: ApiKey;
  onClose: () => void;
  onRevoked: () => void | Promise<void>;
}) {
  return (
    <ConfirmModal
      title="Revoke API key?"
      confirmLabel="Revoke"
      busyLabel="Revoking…"
      danger
      onClose={onClose}
      onConfirm={async () => {
        await api.revokeApiKey(apiKey.id);
        await onRevoked();
      }}
    >
      <p>
        Scripts using the key <span className="mono">{apiKey.prefix}…</span> will stop working at once. This cannot be
        undone.
      </p>
    </ConfirmModal>
  );
}

function PasswordSection() {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [done, setDone] = useState(false);
  const [submitted, setSubmitted] = useState(false);

  const tooShort = next.length > 0 && next.length < 10;
  const mismatch = confirm.length > 0 && next !== confirm;
  const showShort = (submitted || next.length > 0) && tooShort;
  const showMismatch = (submitted || confirm.length >= next.length) && mismatch;

  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title" className="card-title">
        Change password
      </h2>
      <form
        className="form form-narrow"
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          setSubmitted(true);
          setDone(false);
          setError('');
          if (!current) {
            setError('Enter your current password');
            return;
          }
          if (next.length < 10 || next !== confirm) return;
          setBusy(true);
          try {
            await api.changePassword(current, next);
            setDone(true);
            setCurrent('');
            setNext('');
            setConfirm('');
            setSubmitted(false);
          } catch (err) {
            setError(errorText(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <div className="field">
          <label htmlFor="pw-current">Current password</label>
          <input
            id="pw-current"
            type="password"
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="pw-new">New password</label>
          <input
            id="pw-new"
            type="password"
            autoComplete="new-password"
            value={next}
            onChange={(e) => setNext(e.target.value)}
            aria-invalid={showShort ? true : undefined}
            aria-describedby="pw-new-help"
          />
          <p id="pw-new-help" className={showShort ? 'field-error' : 'help'}>
            At least 10 characters.
          </p>
        </div>
        <div className="field">
          <label htmlFor="pw-confirm">Confirm new password</label>
          <input
            id="pw-confirm"
            type="password"
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
            aria-invalid={showMismatch ? true : undefined}
            aria-describedby={showMismatch ? 'pw-confirm-error' : undefined}
          />
          {showMismatch && (
            <p id="pw-confirm-error" role="alert" className="field-error">
              The passwords do not match
            </p>
          )}
        </div>
        <ErrorMessage>{error}</ErrorMessage>
        {done && (
          <p role="status" className="alert alert-success">
            Password changed
          </p>
        )}
        <div>
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </section>
  );
}
