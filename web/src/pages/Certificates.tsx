import { useCallback, useEffect, useRef, useState } from 'react';
import { Link } from 'wouter';
import {
  CheckCircle,
  Download,
  FileText,
  KeyRound,
  Plus,
  RefreshCw,
  ToggleLeft,
  ToggleRight,
  Trash2,
} from 'lucide-react';
import { api, ApiError, errorText, type Certificate, type Limits } from '../api';
import { useSession } from '../session';
import { countdown, formatDate } from '../format';
import { Time } from '../components/Time';
import { StatusBadge } from '../components/StatusBadge';
import { YesNo } from '../components/YesNo';
import { EmptyState, ErrorMessage, Loading } from '../components/Feedback';
import { announce } from '../components/announce';
import { CreateCertificateModal } from './certificates/CreateModal';
import { DownloadModal } from './certificates/DownloadModal';
import { LogsModal } from './certificates/LogsModal';
import { DeleteModal, RenewModal } from './certificates/ConfirmModals';

const FAST_MS = 1000;
const SLOW_MS = 30000;
/** After a request or renewal, poll fast for a few seconds even if the list does not show it busy. */
const FAST_AFTER_ACTION_MS = 3000;

type Dialog =
  | { kind: 'create' }
  | { kind: 'download'; cert: Certificate }
  | { kind: 'logs'; cert: Certificate }
  | { kind: 'renew'; cert: Certificate }
  | { kind: 'delete'; cert: Certificate }
  | null;

export function CertificatesPage() {
  const { me, refresh: refreshMe } = useSession();
  const free = me.limits.max_certificates === 0;
  useEffect(() => {
    document.title = 'SSL Certificates · CertaDNS';
  }, []);

  return (
    <div className="page">
      {free ? <FreePlanView /> : <CertificatesView onCountChanged={refreshMe} />}
    </div>
  );
}

function PageHeader({ limits, onRequest }: { limits: Limits; onRequest?: () => void }) {
  const free = limits.max_certificates === 0;
  const atLimit = limits.current_count >= limits.max_certificates;
  const reason = free
    ? 'Certificate management requires a paid plan'
    : atLimit
      ? 'Certificate limit reached for plan'
      : '';
  return (
    <div className="page-header">
      <div>
        <h1>SSL Certificates</h1>
        <p className="muted">Let's Encrypt certificates for domains on your verified zones.</p>
      </div>
      {/* A disabled button takes no focus or hover: its wrapper does, to show the reason. */}
      <span
        className={`tooltip-wrap ${reason ? 'has-tooltip' : ''}`}
        tabIndex={reason ? 0 : undefined}
        aria-describedby={reason ? 'request-reason' : undefined}
      >
        <button
          type="button"
          className="button button-primary"
          disabled={Boolean(reason) || !onRequest}
          title={reason || undefined}
          aria-describedby={reason ? 'request-reason' : undefined}
          onClick={onRequest}
        >
          <Plus aria-hidden="true" size={18} />
          <span>Request Certificate</span>
        </button>
        {reason && (
          <span role="tooltip" id="request-reason" className="tooltip">
            {reason}
          </span>
        )}
      </span>
    </div>
  );
}

function LimitsCard({ limits }: { limits: Limits }) {
  const pct = limits.max_certificates > 0 ? Math.min(100, (limits.current_count / limits.max_certificates) * 100) : 0;
  return (
    <section className="card limits" aria-labelledby="limits-title">
      <h2 id="limits-title" className="visually-hidden">
        Certificate limits
      </h2>
      <div className="limit">
        <span className="limit-label">Certificates</span>
        <span className="limit-value">{`${limits.current_count} / ${limits.max_certificates}`}</span>
        <div className="meter" aria-hidden="true">
          <div className={`meter-fill ${pct >= 100 ? 'full' : ''}`} style={{ width: `${pct}%` }} />
        </div>
      </div>
      <div className="limit">
        <span className="limit-label">Wildcard Available</span>
        <YesNo value={limits.wildcard_enabled} />
      </div>
      <div className="limit">
        <span className="limit-label">Auto-Renewal Available</span>
        <YesNo value={limits.auto_renew_enabled} />
      </div>
    </section>
  );
}

const PLANS = [
  { name: 'Plus', max: 5, features: ['5 certificates', 'Manual renewal', 'API access'] },
  { name: 'Pro', max: 25, features: ['25 certificates', 'Auto-renewal', 'API access'] },
  { name: 'Elite', max: 100, features: ['100 certificates', 'Wildcard certificates', 'Auto-renewal'] },
];

function FreePlanView() {
  const { me } = useSession();
  return (
    <>
      <PageHeader limits={me.limits} />
      <LimitsCard limits={me.limits} />
      <section role="note" aria-labelledby="upgrade-title" className="card upsell">
        <h2 id="upgrade-title">Upgrade</h2>
        <p>
          <strong>Certificate management requires paid subscription.</strong> The Free plan cannot issue SSL
          certificates. Pick a plan to get Let's Encrypt certificates for your zones:
        </p>
        <ul className="plans">
          {PLANS.map((plan) => (
            <li key={plan.name} className={`plan-card ${plan.name === 'Pro' ? 'recommended' : ''}`}>
              <div className="plan-card-name">{plan.name}</div>
              <div className="plan-card-max">
                up to <strong>{plan.max}</strong> certificates
              </div>
              <ul className="plan-card-features">
                {plan.features.map((f) => (
                  <li key={f}>
                    <CheckCircle aria-hidden="true" size={14} />
                    {f}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
        <p className="muted small">
          Plus suits a few sites; pick Pro for auto-renewal, or Elite for wildcard certificates.
        </p>
      </section>
    </>
  );
}

function CertificatesView({ onCountChanged }: { onCountChanged: () => Promise<void> }) {
  const { me } = useSession();
  const [certs, setCerts] = useState<Certificate[] | null>(null);
  const [limits, setLimits] = useState<Limits>(me.limits);
  const [loadError, setLoadError] = useState('');
  const [actionError, setActionError] = useState('');
  const [dialog, setDialog] = useState<Dialog>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const fastUntil = useRef(0);
  const timer = useRef<number | undefined>(undefined);
  const certsRef = useRef<Certificate[] | null>(null);
  const inFlight = useRef(false);
  const lastBody = useRef('');
  const alive = useRef(true);

  const load = useCallback(async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    try {
      const body = await api.certificates();
      // Most polls change nothing: keep the same objects then, and React renders nothing.
      const text = JSON.stringify(body);
      if (text !== lastBody.current) {
        lastBody.current = text;
        certsRef.current = body.certificates;
        setCerts(body.certificates);
        setLimits(body.limits);
      }
      setLoadError('');
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) setLoadError(errorText(error));
    } finally {
      inFlight.current = false;
    }
  }, []);

  // Live status: once a second while anything is pending/validating (or an action was just sent),
  // every 30 s otherwise, never while the tab is hidden.
  const schedule = useCallback(() => {
    window.clearTimeout(timer.current);
    // Not after the page is gone (a poll may finish after unmount), nor while the tab is hidden.
    if (!alive.current || document.hidden) return;
    const busy =
      Date.now() < fastUntil.current ||
      (certsRef.current ?? []).some((c) => c.status === 'pending' || c.status === 'validating');
    timer.current = window.setTimeout(async () => {
      await load();
      schedule();
    }, busy ? FAST_MS : SLOW_MS);
  }, [load]);

  const refreshNow = useCallback(async () => {
    await load();
    schedule();
  }, [load, schedule]);

  useEffect(() => {
    alive.current = true;
    void refreshNow();
    const onVisibility = () => {
      if (document.hidden) window.clearTimeout(timer.current);
      else void refreshNow();
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      alive.current = false;
      document.removeEventListener('visibilitychange', onVisibility);
      window.clearTimeout(timer.current);
    };
  }, [refreshNow]);

  const afterAction = useCallback(
    async (fast: boolean) => {
      if (fast) fastUntil.current = Date.now() + FAST_AFTER_ACTION_MS;
      await refreshNow();
      void onCountChanged();
    },
    [refreshNow, onCountChanged],
  );

  const toggleAutoRenew = async (cert: Certificate) => {
    setActionError('');
    setBusyId(cert.id);
    try {
      const updated = await api.setAutoRenew(cert.id, !cert.auto_renew);
      announce(`Auto-renew turned ${updated.auto_renew ? 'on' : 'off'} for ${updated.domain}`);
      lastBody.current = '';
      setCerts((list) => {
        const next = (list ?? []).map((c) => (c.id === updated.id ? updated : c));
        certsRef.current = next;
        return next;
      });
    } catch (error) {
      setActionError(errorText(error));
    } finally {
      setBusyId(null);
    }
  };

  const canRequest = limits.current_count < limits.max_certificates;

  return (
    <>
      <PageHeader limits={limits} onRequest={canRequest ? () => setDialog({ kind: 'create' }) : undefined} />
      <LimitsCard limits={limits} />
      {actionError && (
        <div className="stack-gap">
          <ErrorMessage>{actionError}</ErrorMessage>
        </div>
      )}
      <section className="card table-card" aria-labelledby="certs-title">
        <h2 id="certs-title" className="card-title">
          Certificates
        </h2>
        {loadError && <ErrorMessage>{loadError}</ErrorMessage>}
        {certs === null && !loadError && <Loading label="Loading certificates…" />}
        {certs !== null && certs.length === 0 && (
          <EmptyState icon={<KeyRound size={28} />} title="No certificates yet">
            <p>
              Press Request Certificate to get one for a name on a verified zone (first{' '}
              <Link href="/zones">import and verify a zone</Link> if you have none). Issuance usually takes under a
              minute.
            </p>
          </EmptyState>
        )}
        {certs !== null && certs.length > 0 && (
          <div className="table-scroll">
            <table className="table cert-table">
              <thead>
                <tr>
                  <th scope="col">Domain</th>
                  <th scope="col">SANs</th>
                  <th scope="col">Status</th>
                  <th scope="col">Issued</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Auto-Renew</th>
                  <th scope="col" className="actions-col">
                    Actions
                  </th>
                </tr>
              </thead>
              <tbody>
                {certs.map((cert) => (
                  <CertificateRow
                    key={cert.id}
                    cert={cert}
                    autoRenewAvailable={limits.auto_renew_enabled}
                    busy={busyId === cert.id}
                    onDownload={() => setDialog({ kind: 'download', cert })}
                    onRenew={() => setDialog({ kind: 'renew', cert })}
                    onToggle={() => void toggleAutoRenew(cert)}
                    onLogs={() => setDialog({ kind: 'logs', cert })}
                    onDelete={() => setDialog({ kind: 'delete', cert })}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {dialog?.kind === 'create' && (
        <CreateCertificateModal
          limits={limits}
          onClose={() => setDialog(null)}
          onCreated={async (created) => {
            setDialog(null);
            announce(`Certificate requested for ${created.domain}; status pending`);
            lastBody.current = '';
            setCerts((list) => {
              const next = [...(list ?? []), created];
              certsRef.current = next;
              return next;
            });
            await afterAction(true);
          }}
        />
      )}
      {dialog?.kind === 'download' && <DownloadModal cert={dialog.cert} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'logs' && (
        <LogsModal
          cert={certs?.find((c) => c.id === dialog.cert.id) ?? dialog.cert}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog?.kind === 'renew' && (
        <RenewModal
          cert={dialog.cert}
          onClose={() => setDialog(null)}
          onDone={async () => {
            announce(`Renewal started for ${dialog.cert.domain}`);
            setDialog(null);
            await afterAction(true);
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteModal
          cert={dialog.cert}
          onClose={() => setDialog(null)}
          onDone={async (revoked) => {
            announce(`Certificate for ${dialog.cert.domain} ${revoked ? 'revoked and ' : ''}deleted`);
            setDialog(null);
            await afterAction(false);
          }}
        />
      )}
    </>
  );
}

interface RowProps {
  cert: Certificate;
  autoRenewAvailable: boolean;
  busy: boolean;
  onDownload: () => void;
  onRenew: () => void;
  onToggle: () => void;
  onLogs: () => void;
  onDelete: () => void;
}

function CertificateRow({ cert, autoRenewAvailable, busy, onDownload, onRenew, onToggle, onLogs, onDelete }: RowProps) {
  const working = cert.status === 'pending' || cert.status === 'validating';
  const shown = cert.expires_at && cert.status !== 'pending';
  // A revoked certificate's expiry is no longer a deadline: its date only, no countdown.
  const left = shown && cert.status !== 'revoked' ? countdown(cert.expires_at!) : null;
  return (
    <tr>
      <td data-label="Domain" className="cell-domain">
        <span className="mono">{cert.domain}</span>
      </td>
      <td data-label="SANs">
        {cert.sans.length > 0 ? (
          <span title={cert.sans.join(', ')}>{cert.sans.length}</span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td data-label="Status">
        <StatusBadge status={cert.status} />
      </td>
      <td data-label="Issued">{cert.issued_at ? <Time iso={cert.issued_at} /> : <span className="muted">—</span>}</td>
      <td data-label="Expires">
        {shown ? (
          <span className={`expires ${left ? '' : 'muted'}`}>
            <Time iso={cert.expires_at!} withTime={false} />
            {left && <span className={`countdown countdown-${left.urgency}`}>{left.text}</span>}
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td data-label="Auto-Renew">
        {cert.auto_renew ? (
          <span
            role="img"
            aria-label="Auto-renew on"
            title={cert.next_renewal_at ? `Auto-renew on; next renewal ${formatDate(cert.next_renewal_at)}` : 'Auto-renew on'}
            className="yes"
          >
            <CheckCircle aria-hidden="true" size={18} />
          </span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td data-label="Actions" className="actions-col">
        <div className="row-actions">
          {cert.status === 'issued' && (
            <IconButton label={`Download certificate for ${cert.domain}`} onClick={onDownload}>
              <Download size={17} />
            </IconButton>
          )}
          <IconButton
            label={`Renew certificate for ${cert.domain}`}
            onClick={onRenew}
            disabled={working}
          >
            <RefreshCw size={17} />
          </IconButton>
          {autoRenewAvailable && (
            <IconButton
              label={`${cert.auto_renew ? 'Turn off' : 'Turn on'} auto-renew for ${cert.domain}`}
              onClick={onToggle}
              disabled={busy}
              pressed={cert.auto_renew}
            >
              {cert.auto_renew ? <ToggleRight size={22} /> : <ToggleLeft size={22} />}
            </IconButton>
          )}
          <IconButton label={`View logs for ${cert.domain}`} onClick={onLogs}>
            <FileText size={17} />
          </IconButton>
          <IconButton label={`Delete certificate for ${cert.domain}`} onClick={onDelete} danger>
            <Trash2 size={17} />
          </IconButton>
        </div>
      </td>
    </tr>
  );
}

function IconButton({
  label,
  onClick,
  children,
  disabled,
  danger,
  pressed,
}: {
  label: string;
  onClick: () => void;
  children: React.ReactNode;
  disabled?: boolean;
  danger?: boolean;
  pressed?: boolean;
}) {
  return (
    <button
      type="button"
      className={`icon-button ${danger ? 'danger' : ''} ${pressed ? 'pressed' : ''}`}
      aria-label={label}
      title={label}
      onClick={onClick}
      disabled={disabled}
    >
      <span aria-hidden="true" className="icon-wrap">
        {children}
      </span>
    </button>
  );
}
