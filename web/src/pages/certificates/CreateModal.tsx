import { useEffect, useId, useMemo, useState } from 'react';
import { Link } from 'wouter';
import { CheckCircle, XCircle } from 'lucide-react';
import { api, errorText, type Certificate, type Limits, type PreflightReport, type Zone } from '../../api';
import { Modal } from '../../components/Modal';
import { ErrorMessage, Loading } from '../../components/Feedback';
import { isUnderZone, normalizeName } from '../../format';

const MAX_NAMES = 100;

const CHECK_TITLES: Record<string, string> = {
  domain_under_zone: 'Names in the zone',
  zone_delegated: 'Zone delegated to CertaDNS',
  caa: 'CAA allows Let\'s Encrypt',
  challenge_cname: 'No CNAME at _acme-challenge',
};
const NAME_RE = /^(\*\.)?([a-z0-9_]([a-z0-9-_]{0,61}[a-z0-9_])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export function splitSans(text: string): string[] {
  return text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

interface Problems {
  domain: string;
  sans: string;
}

export function validate(zone: string, domain: string, sansText: string, wildcardAllowed: boolean): Problems {
  const problems: Problems = { domain: '', sans: '' };
  const d = normalizeName(domain);
  const noWildcard = (name: string) => `${name}: wildcard names need the Elite plan`;
  if (!d) problems.domain = 'Enter the domain for the certificate';
  else if (!NAME_RE.test(d)) problems.domain = `${domain.trim()} is not a valid domain name`;
  else if (zone && !isUnderZone(d, zone)) problems.domain = `${domain.trim()} is not under ${zone}`;
  else if (d.startsWith('*.') && !wildcardAllowed) problems.domain = noWildcard(domain.trim());

  const sans = splitSans(sansText);
  if (1 + sans.length > MAX_NAMES) {
    problems.sans = `At most ${MAX_NAMES} names (the domain and ${MAX_NAMES - 1} SANs); you entered ${1 + sans.length}`;
  } else {
    for (const san of sans) {
      if (!NAME_RE.test(normalizeName(san))) {
        problems.sans = `${san} is not a valid domain name`;
        break;
      }
      if (zone && !isUnderZone(san, zone)) {
        problems.sans = `${san} is not under ${zone}`;
        break;
      }
      if (san.startsWith('*.') && !wildcardAllowed) {
        problems.sans = noWildcard(san);
        break;
      }
    }
  }
  return problems;
}

interface Props {
  limits: Limits;
  onClose: () => void;
  onCreated: (cert: Certificate) => void | Promise<void>;
}

export function CreateCertificateModal({ limits, onClose, onCreated }: Props) {
  const [zones, setZones] = useState<Zone[] | null>(null);
  const [zonesError, setZonesError] = useState('');
  const [zoneId, setZoneId] = useState('');
  const [domain, setDomain] = useState('');
  const [sans, setSans] = useState('');
  const [wildcard, setWildcard] = useState(false);
  const [autoRenew, setAutoRenew] = useState(false);
  const [touched, setTouched] = useState({ domain: false, sans: false });
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const [report, setReport] = useState<PreflightReport | null>(null);
  const [checking, setChecking] = useState(false);
  const id = useId();

  useEffect(() => {
    let live = true;
    api
      .zones()
      .then((body) => {
        if (!live) return;
        const verified = body.zones.filter((z) => z.verified);
        setZones(verified);
        if (verified.length > 0) setZoneId(verified[0].id);
      })
      .catch((err) => live && setZonesError(errorText(err)));
    return () => {
      live = false;
    };
  }, []);

  const zone = zones?.find((z) => z.id === zoneId);
  const problems = useMemo(() => validate(zone?.name ?? '', domain, sans, limits.wildcard_enabled),
    [zone, domain, sans, limits.wildcard_enabled],);
  const showDomain = (touched.domain || submitted) && problems.domain;
  const showSans = (touched.sans || submitted) && problems.sans;
  const nameCount = 1 + splitSans(sans).length;
  const preview = normalizeName(domain)
    ? wildcard && !normalizeName(domain).startsWith('*.')
      ? `*.${normalizeName(domain)}`
      : normalizeName(domain)
    : '';

  const body = () => ({
    zone_id: zone?.id ?? '',
    domain: domain.trim(),
    sans: splitSans(sans),
    wildcard: limits.wildcard_enabled && wildcard,
    auto_renew: limits.auto_renew_enabled && autoRenew,
  });

  // The pre-flight checks (delegation, CAA, _acme-challenge CNAME), shown before submitting.
  const check = async () => {
    setSubmitted(true);
    setError('');
    setReport(null);
    if (!zone || problems.domain || problems.sans) return;
    setChecking(true);
    try {
      setReport(await api.preflight(body()));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setChecking(false);
    }
  };

  const submit = async () => {
    setSubmitted(true);
    setError('');
    if (!zone || problems.domain || problems.sans) return;
    setBusy(true);
    try {
      const created = await api.createCertificate(body());
      await onCreated(created);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  const noZones = zones !== null && zones.length === 0;

  return (
    <Modal
      title="Create Certificate"
      onClose={onClose}
      busy={busy}
      footer={
        <>
          <button type="button" className="button button-secondary" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button
            type="button"
            className="button button-secondary"
            onClick={() => void check()}
            disabled={busy || checking || !zone}
          >
            {checking ? 'Checking…' : 'Check DNS'}
          </button>
          <button type="submit" form={`${id}-form`} className="button button-primary" disabled={busy || !zone}>
            {busy ? 'Requesting…' : 'Request Certificate'}
          </button>
        </>
      }
    >
      {zones === null && !zonesError && <Loading label="Loading zones…" />}
      <ErrorMessage>{zonesError}</ErrorMessage>
      {noZones && (
        <div className="alert alert-info">
          <div>
            You have no verified zones yet. <Link href="/zones">Import and verify a zone</Link> first; certificates
            can only be issued for names under your verified zones.
          </div>
        </div>
      )}
      {zones !== null && zones.length > 0 && (
        <form
          id={`${id}-form`}
          className="form"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            void submit();
          }}
        >
          <div className="field">
            <label htmlFor={`${id}-zone`}>Zone</label>
            <select id={`${id}-zone`} value={zoneId} onChange={(e) => {
                setZoneId(e.target.value);
                setError('');
              }} aria-describedby={`${id}-zone-help`}>
              {zones.map((z) => (
                <option key={z.id} value={z.id}>
                  {z.name}
                </option>
              ))}
            </select>
            <p id={`${id}-zone-help`} className="help">
              Only your verified zones are listed.
            </p>
          </div>
          <div className="field">
            <label htmlFor={`${id}-domain`}>Domain</label>
            <input
              id={`${id}-domain`}
              type="text"
              inputMode="url"
              autoComplete="off"
              spellCheck={false}
              autoFocus
              className="mono-input"
              placeholder={zone ? `app.${zone.name}` : 'app.example.com'}
              value={domain}
              onChange={(e) => {
                setDomain(e.target.value);
                setError('');
                setTouched((t) => ({ ...t, domain: true }));
              }}
              aria-invalid={showDomain ? true : undefined}
              aria-describedby={showDomain ? `${id}-domain-error` : `${id}-domain-help`}
            />
            {showDomain ? (
              <p id={`${id}-domain-error`} role="alert" className="field-error">
                {problems.domain}
              </p>
            ) : (
              <p id={`${id}-domain-help`} className="help">
                {zone ? `Must be ${zone.name} or a name under it.` : 'Must be under the selected zone.'}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={`${id}-sans`}>Additional SANs</label>
            <input
              id={`${id}-sans`}
              type="text"
              autoComplete="off"
              spellCheck={false}
              className="mono-input"
              placeholder={zone ? `www.${zone.name}, api.${zone.name}` : 'www.example.com, api.example.com'}
              value={sans}
              onChange={(e) => {
                setSans(e.target.value);
                setError('');
                setTouched((t) => ({ ...t, sans: true }));
              }}
              aria-invalid={showSans ? true : undefined}
              aria-describedby={showSans ? `${id}-sans-error` : `${id}-sans-help`}
            />
            {showSans ? (
              <p id={`${id}-sans-error`} role="alert" className="field-error">
                {problems.sans}
              </p>
            ) : (
              <p id={`${id}-sans-help`} className="help">
                Optional, comma-separated. {nameCount > 1 ? `${nameCount} of ${MAX_NAMES} names.` : `Up to ${MAX_NAMES} names in all.`}
              </p>
            )}
          </div>
          <div className={`checkbox-field ${limits.wildcard_enabled ? '' : 'disabled'}`}>
            <input
              id={`${id}-wildcard`}
              type="checkbox"
              checked={limits.wildcard_enabled && wildcard}
              disabled={!limits.wildcard_enabled}
              onChange={(e) => setWildcard(e.target.checked)}
              aria-describedby={`${id}-wildcard-help`}
            />
            <div>
              <label htmlFor={`${id}-wildcard`}>Wildcard</label>
              <p id={`${id}-wildcard-help`} className="help">
                {limits.wildcard_enabled
                  ? `Issue ${preview && !preview.startsWith('*.') ? `*.${preview}` : preview || '*.example.com'}, matching any name one level below.`
                  : 'Wildcard certificates require Elite plan'}
              </p>
            </div>
          </div>
          <div className={`checkbox-field ${limits.auto_renew_enabled ? '' : 'disabled'}`}>
            <input
              id={`${id}-autorenew`}
              type="checkbox"
              checked={limits.auto_renew_enabled && autoRenew}
              disabled={!limits.auto_renew_enabled}
              onChange={(e) => setAutoRenew(e.target.checked)}
              aria-describedby={`${id}-autorenew-help`}
            />
            <div>
              <label htmlFor={`${id}-autorenew`}>Auto-Renew</label>
              <p id={`${id}-autorenew-help`} className="help">
                {limits.auto_renew_enabled
                  ? 'Renew automatically 30 days before expiration.'
                  : 'Auto-renewal requires Pro or Elite plan'}
              </p>
            </div>
          </div>
          {report && (
            <section className="preflight" aria-label="DNS checks">
              <p className={report.ok ? 'preflight-verdict ok' : 'preflight-verdict failed'}>
                {report.ok ? 'DNS is ready for this certificate.' : 'DNS would stop this certificate:'}
              </p>
              <ul>
                {report.checks.map((c) => (
                  <li key={c.name} className={c.ok ? 'ok' : 'failed'}>
                    {c.ok ? (
                      <CheckCircle aria-label="passed" size={16} />
                    ) : (
                      <XCircle aria-label="failed" size={16} />
                    )}
                    <span>
                      <strong>{CHECK_TITLES[c.name] ?? c.name}</strong>: {c.detail}
                    </span>
                  </li>
                ))}
              </ul>
            </section>
          )}
          <ErrorMessage>{error}</ErrorMessage>
        </form>
      )}
    </Modal>
  );
}
