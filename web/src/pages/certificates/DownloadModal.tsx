import { useEffect, useState } from 'react';
import { Download, ShieldAlert } from 'lucide-react';
import { api, errorText, type Certificate, type CertificateFiles } from '../../api';
import { Modal } from '../../components/Modal';
import { CopyButton } from '../../components/CopyButton';
import { ErrorMessage, Loading } from '../../components/Feedback';
import { fileBase } from '../../format';

/** The certificate with its chain: fullchain_pem when the API has it, else certificate + chain. */
export function certificateWithChain(files: CertificateFiles): string {
  if (files.fullchain_pem) return files.fullchain_pem;
  const cert = files.certificate_pem.trimEnd();
  const chain = (files.chain_pem ?? '').trim();
  return chain ? `${cert}\n${chain}\n` : `${cert}\n`;
}

function save(name: string, content: string | Blob, type: string) {
  const url = URL.createObjectURL(typeof content === 'string' ? new Blob([content], { type }) : content);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function DownloadModal({ cert, onClose }: { cert: Certificate; onClose: () => void }) {
  const [files, setFiles] = useState<CertificateFiles | null>(null);
  const [error, setError] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState<'' | 'p12' | 'zip'>('');
  const [formatError, setFormatError] = useState('');

  useEffect(() => {
    let live = true;
    api
      .download(cert.id)
      .then((body) => live && setFiles(body))
      .catch((err) => live && setError(errorText(err)));
    return () => {
      live = false;
    };
  }, [cert.id]);

  const chain = files ? certificateWithChain(files) : '';
  const key = files?.private_key_pem ?? '';
  const base = fileBase(cert.domain);

  async function fetchFile(kind: 'p12' | 'zip') {
    setBusy(kind);
    setFormatError('');
    try {
      if (kind === 'p12') {
        save(`${base}.p12`, await api.downloadPkcs12(cert.id, passphrase), 'application/x-pkcs12');
        setPassphrase('');
      } else {
        save(`${base}.zip`, await api.downloadBundle(cert.id), 'application/zip');
      }
    } catch (err) {
      setFormatError(errorText(err));
    } finally {
      setBusy('');
    }
  }

  return (
    <Modal
      title="Download Certificate"
      size="large"
      onClose={onClose}
      footer={
        <button type="button" className="button button-secondary" onClick={onClose}>
          Close
        </button>
      }
    >
      <p className="muted">
        <span className="mono">{cert.domain}</span>
        {cert.sans.length > 0 && <> and {cert.sans.join(', ')}</>}
      </p>
      <div role="note" className="alert alert-warning">
        <ShieldAlert aria-hidden="true" size={18} />
        <div>
          <strong>Keep your private key secret.</strong> Anyone with it can impersonate your site. Store it securely,
          never commit it to version control or share it publicly. The certificate itself is public and safe to
          distribute.
        </div>
      </div>
      <ErrorMessage>{error}</ErrorMessage>
      {!files && !error && <Loading label="Loading certificate files…" />}
      {files && (
        <div className="pem-grid">
          <div className="field">
            <div className="field-row">
              <label htmlFor="pem-cert">Certificate (with chain)</label>
              <CopyButton text={chain} label="Copy certificate" compact />
            </div>
            <textarea id="pem-cert" className="pem" readOnly rows={10} value={chain} spellCheck={false} />
            <button
              type="button"
              className="button button-primary"
              onClick={() => save(`${base}.crt`, chain, 'application/x-pem-file')}
            >
              <Download aria-hidden="true" size={16} />
              <span>Download Certificate</span>
            </button>
          </div>
          <div className="field">
            <div className="field-row">
              <label htmlFor="pem-key">Private key</label>
              <CopyButton text={key} label="Copy private key" compact />
            </div>
            {key ? (
              <textarea id="pem-key" className="pem" readOnly rows={10} value={key} spellCheck={false} />
            ) : (
              <>
                <textarea id="pem-key" className="pem" readOnly rows={3} value="" />
                <p className="help">
                  The private key is missing: the certificate data is incomplete. Try renewing the certificate.
                </p>
              </>
            )}
            <button
              type="button"
              className="button button-secondary"
              disabled={!key}
              onClick={() => save(`${base}.key`, key, 'application/x-pem-file')}
            >
              <Download aria-hidden="true" size={16} />
              <span>Download Private Key</span>
            </button>
          </div>
        </div>
      )}
      {files && (
        <section className="download-formats" aria-labelledby="other-formats">
          <h3 id="other-formats">Other formats</h3>
          <div className="pem-grid">
            <div className="field">
              <div className="field-row">
                <span className="label">certbot files (.zip)</span>
              </div>
              <p className="help">
                <span className="mono">cert.pem</span>, <span className="mono">chain.pem</span>,{' '}
                <span className="mono">fullchain.pem</span> and <span className="mono">privkey.pem</span>, as in{' '}
                <span className="mono">/etc/letsencrypt/live/</span>.
              </p>
              <button
                type="button"
                className="button button-secondary"
                disabled={busy !== ''}
                onClick={() => void fetchFile('zip')}
              >
                <Download aria-hidden="true" size={16} />
                <span>Download ZIP</span>
              </button>
            </div>
            <form
              className="field"
              onSubmit={(event) => {
                event.preventDefault();
                if (passphrase) void fetchFile('p12');
              }}
            >
              <div className="field-row">
                <label htmlFor="p12-passphrase">PKCS#12 passphrase</label>
              </div>
              <input
                id="p12-passphrase"
                type="password"
                autoComplete="new-password"
                maxLength={1024}
                value={passphrase}
                onChange={(event) => setPassphrase(event.target.value)}
                aria-describedby="p12-help"
              />
              <p id="p12-help" className="help">
                Certificate, chain and private key in one .p12 file (Windows, Java, appliances), encrypted with this
                passphrase. It is not stored.
              </p>
              <button type="submit" className="button button-secondary" disabled={!passphrase || busy !== ''}>
                <Download aria-hidden="true" size={16} />
                <span>Download PKCS#12</span>
              </button>
            </form>
          </div>
          <ErrorMessage>{formatError}</ErrorMessage>
        </section>
      )}
    </Modal>
  );
}
