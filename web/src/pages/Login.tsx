import { useEffect, useRef, useState } from 'react';
import { ShieldCheck } from 'lucide-react';
import { api, errorText, type Me } from '../api';
import { ErrorMessage } from '../components/Feedback';

export function LoginPage({ onSignedIn, notice }: { onSignedIn: (me: Me) => Promise<void>; notice?: string }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const emailRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Sign in · CertaDNS';
    emailRef.current?.focus();
  }, []);

  return (
    <main className="login-page">
      <div className="login-card card">
        <div className="brand brand-large">
          <ShieldCheck aria-hidden="true" size={28} />
          <span>CertaDNS</span>
        </div>
        <h1>Sign in to CertaDNS</h1>
        <p className="muted">Manage your DNS zones and SSL certificates.</p>
        {notice && !error && <p className="alert alert-info login-notice">{notice}</p>}
        <form
          className="form"
          onSubmit={async (event) => {
            event.preventDefault();
            setError('');
            setBusy(true);
            try {
              const me = await api.login(email.trim(), password);
              await onSignedIn(me);
            } catch (err) {
              setError(errorText(err));
              setBusy(false);
            }
          }}
        >
          <div className="field">
            <label htmlFor="login-email">Email</label>
            <input
              ref={emailRef}
              id="login-email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="login-password">Password</label>
            <input
              id="login-password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          <ErrorMessage>{error}</ErrorMessage>
          <button type="submit" className="button button-primary button-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}
