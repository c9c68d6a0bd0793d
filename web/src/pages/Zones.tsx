import { useCallback, useEffect, useState } from 'react';
import { CheckCircle, Clock, Globe, Loader2, Plus, ShieldCheck, Trash2 } from 'lucide-react';
import { api, ApiError, errorText, type Zone } from '../api';
import { CopyButton } from '../components/CopyButton';
import { EmptyState, ErrorMessage, Loading } from '../components/Feedback';
import { ConfirmModal } from '../components/ConfirmModal';
import { Time } from '../components/Time';

interface VerifyResult {
  ok: boolean;
  message: string;
}

export function ZonesPage() {
  const [zones, setZones] = useState<Zone[] | null>(null);
  const [loadError, setLoadError] = useState('');
  const [name, setName] = useState('');
  const [importing, setImporting] = useState(false);
  const [importError, setImportError] = useState('');
  const [verifying, setVerifying] = useState<string | null>(null);
  const [results, setResults] = useState<Record<string, VerifyResult>>({});
  const [deleting, setDeleting] = useState<Zone | null>(null);

  useEffect(() => {
    document.title = 'Zones · CertaDNS';
  }, []);

  const load = useCallback(async () => {
    try {
      const body = await api.zones();
      setZones(body.zones);
      setLoadError('');
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) setLoadError(errorText(error));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const verify = async (zone: Zone) => {
    setVerifying(zone.id);
    setResults((r) => {
      const next = { ...r };
      delete next[zone.id];
      return next;
    });
    try {
      const updated = await api.verifyZone(zone.id);
      setZones((list) => (list ?? []).map((z) => (z.id === updated.id ? updated : z)));
      setResults((r) => ({
        ...r,
        [zone.id]: updated.verified
          ? { ok: true, message: `Found it. You can now request certificates for names under ${zone.name}.` }
          : {
              ok: false,
              message:
                updated.verification.detail ||
                'The verification record or delegation was not found yet. DNS changes can take a few minutes to propagate.',
            },
      }));
    } catch (error) {
      setResults((r) => ({ ...r, [zone.id]: { ok: false, message: errorText(error) } }));
    } finally {
      setVerifying(null);
    }
  };

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Zones</h1>
          <p className="muted">Import the DNS zones you own and verify them to issue certificates under them.</p>
        </div>
      </div>

      <section className="card" aria-labelledby="import-title">
        <h2 id="import-title" className="card-title">
          Import a zone
        </h2>
        <form
          className="inline-form"
          onSubmit={async (event) => {
            event.preventDefault();
            const zoneName = name.trim();
            if (!zoneName) {
              setImportError('Enter the zone name, e.g. example.com');
              return;
            }
            setImporting(true);
            setImportError('');
            try {
              const zone = await api.importZone(zoneName);
              setZones((list) => [...(list ?? []).filter((z) => z.id !== zone.id), zone]);
              setName('');
            } catch (error) {
              setImportError(errorText(error));
            } finally {
              setImporting(false);
            }
          }}
        >
          <div className="field grow">
            <label htmlFor="zone-name">Zone name</label>
            <input
              id="zone-name"
              type="text"
              className="mono-input"
              placeholder="example.com"
              autoComplete="off"
              spellCheck={false}
              value={name}
              onChange={(e) => setName(e.target.value)}
              aria-invalid={importError ? true : undefined}
              aria-describedby={importError ? 'zone-import-error' : undefined}
            />
          </div>
          <button type="submit" className="button button-primary" disabled={importing}>
            {importing ? <Loader2 aria-hidden="true" size={16} className="spin" /> : <Plus aria-hidden="true" size={16} />}
            <span>Import zone</span>
          </button>
        </form>
        {importError && (
          <div id="zone-import-error">
            <ErrorMessage>{importError}</ErrorMessage>
          </div>
        )}
      </section>

      <section className="card table-card" aria-labelledby="zones-title">
        <h2 id="zones-title" className="card-title">
          Zone list
        </h2>
        {loadError && <ErrorMessage>{loadError}</ErrorMessage>}
        {zones === null && !loadError && <Loading label="Loading zones…" />}
        {zones !== null && zones.length === 0 && (
          <EmptyState icon={<Globe size={28} />} title="No zones yet">
            <p>Import a zone above, then add the verification record we show you and press Verify.</p>
          </EmptyState>
        )}
        {zones !== null && zones.length > 0 && (
          <div className="table-scroll">
            <table className="table zone-table">
              <thead>
                <tr>
                  <th scope="col">Zone</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="actions-col">
                    Actions
                  </th>
                </tr>
              </thead>
              {zones.map((zone) => (
                <tbody key={zone.id} className="zone-group">
                  <tr>
                    <td data-label="Zone">
                      <span className="mono strong">{zone.name}</span>
                      <div className="muted small">
                        Imported <Time iso={zone.created_at} withTime={false} />
                      </div>
                    </td>
                    <td data-label="Status">
                      {zone.verified ? (
                        <span className="badge badge-issued">
                          <CheckCircle aria-hidden="true" size={14} />
                          Verified
                        </span>
                      ) : (
                        <span className="badge badge-pending">
                          <Clock aria-hidden="true" size={14} />
                          Pending verification
                        </span>
                      )}
                    </td>
                    <td data-label="Actions" className="actions-col">
                      <div className="row-actions">
                        {!zone.verified && (
                          <button
                            type="button"
                            className="button button-primary button-small"
                            aria-label={`Verify ${zone.name}`}
                            disabled={verifying === zone.id}
                            onClick={() => void verify(zone)}
                          >
                            {verifying === zone.id ? (
                              <Loader2 aria-hidden="true" size={15} className="spin" />
                            ) : (
                              <ShieldCheck aria-hidden="true" size={15} />
                            )}
                            <span>{verifying === zone.id ? 'Checking…' : 'Verify'}</span>
                          </button>
                        )}
                        <button
                          type="button"
                          className="icon-button danger"
                          aria-label={`Delete zone ${zone.name}`}
                          title={`Delete zone ${zone.name}`}
                          onClick={() => setDeleting(zone)}
                        >
                          <Trash2 aria-hidden="true" size={17} />
                        </button>
                      </div>
                    </td>
                  </tr>
                  {(!zone.verified || results[zone.id]) && (
                    <tr className="detail-row">
                      <td colSpan={3}>
                        {results[zone.id] &&
                          (results[zone.id].ok ? (
                            <div className="alert alert-success">
                              <CheckCircle aria-hidden="true" size={18} />
                              <div>{results[zone.id].message}</div>
                            </div>
                          ) : (
                            <ErrorMessage>
                              <strong>{zone.name} is not verified yet.</strong> {results[zone.id].message}
                            </ErrorMessage>
                          ))}
                        {!zone.verified && <Instructions zone={zone} />}
                      </td>
                    </tr>
                  )}
                </tbody>
              ))}
            </table>
          </div>
        )}
      </section>

      {deleting && (
        <DeleteZoneModal
          zone={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={() => {
            setZones((list) => (list ?? []).filter((z) => z.id !== deleting.id));
            setDeleting(null);
          }}
        />
      )}
    </div>
  );
}

function Instructions({ zone }: { zone: Zone }) {
  const v = zone.verification;
  return (
    <div className="instructions">
      <p className="instructions-lead">
        Prove you control <span className="mono">{zone.name}</span> in one of two ways, then press{' '}
        <strong>Verify</strong>:
      </p>
      <div className="instruction-grid">
        <div className="instruction">
          <h3>Option 1: add a TXT record</h3>
          <p className="muted small">At your current DNS provider, create this record:</p>
          <dl className="kv">
            <div>
              <dt>Type</dt>
              <dd className="mono">TXT</dd>
            </div>
            <div>
              <dt>Name</dt>
              <dd>
                <code className="value">{v.txt_name}</code>
                <CopyButton text={v.txt_name} label="Copy TXT record name" compact />
              </dd>
            </div>
            <div>
              <dt>Value</dt>
              <dd>
                <code className="value">{v.txt_value}</code>
                <CopyButton text={v.txt_value} label="Copy TXT record value" compact />
              </dd>
            </div>
          </dl>
        </div>
        <div className="instruction">
          <h3>Option 2: delegate to CertaDNS</h3>
          <p className="muted small">At your registrar, set the zone's nameservers to:</p>
          <dl className="kv">
            <div>
              <dt>Nameservers</dt>
              <dd>
                <code className="value">
                  {v.nameservers.map((ns) => (
                    <span key={ns} className="ns">
                      {ns}
                    </span>
                  ))}
                </code>
                <CopyButton text={v.nameservers.join('\n')} label="Copy nameservers" compact />
              </dd>
            </div>
          </dl>
        </div>
      </div>
      <p className="muted small">DNS changes can take a few minutes to be seen. You can verify again at any time.</p>
    </div>
  );
}

function DeleteZoneModal({ zone, onClose, onDeleted }: { zone: Zone; onClose: () => void; onDeleted: () => void }) {
  return (
    <ConfirmModal
      title="Delete zone?"
      confirmLabel="Delete zone"
      busyLabel="Deleting…"
      danger
      onClose={onClose}
      onConfirm={async () => {
        await api.deleteZone(zone.id);
        onDeleted();
      }}
    >
      <p>
        <span className="mono">{zone.name}</span> will be removed from your account
        {zone.verified ? ', and CertaDNS nameservers will stop serving it' : ''}. A zone that still has certificates
        cannot be deleted: delete its certificates first.
      </p>
    </ConfirmModal>
  );
}
