import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Redirect, Route, Switch, useLocation } from 'wouter';
import { api, ApiError, setCsrfToken, setUnauthorizedHandler, type Me } from './api';
import { SessionContext, type Session } from './session';
import { Shell } from './pages/Shell';
import { LoginPage } from './pages/Login';
import { ZonesPage } from './pages/Zones';
import { CertificatesPage } from './pages/Certificates';
import { AccountPage } from './pages/Account';
import { ErrorMessage, Loading } from './components/Feedback';

type Auth = { state: 'loading' } | { state: 'out' } | { state: 'in'; me: Me } | { state: 'error'; message: string };

export function App() {
  const [auth, setAuth] = useState<Auth>({ state: 'loading' });
  const [location, navigate] = useLocation();
  const returnTo = useRef<string | null>(null);
  const [notice, setNotice] = useState('');
  const authRef = useRef(auth);
  authRef.current = auth;

  const loadMe = useCallback(async () => {
    try {
      const me = await api.me();
      setCsrfToken(me.csrf_token);
      setAuth({ state: 'in', me });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) setAuth({ state: 'out' });
      else setAuth({ state: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  }, []);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      const here = window.location.pathname;
      if (here !== '/login' && here !== '/') returnTo.current = here;
      // Signed in until now: the session ended (expired, or signed out elsewhere).
      if (authRef.current.state === 'in') setNotice('Your session has ended. Sign in again to continue.');
      setAuth({ state: 'out' });
      navigate('/login', { replace: true });
    });
    void loadMe();
    return () => setUnauthorizedHandler(null);
  }, [loadMe, navigate]);

  const session = useMemo<Session | null>(() => {
    if (auth.state !== 'in') return null;
    return {
      me: auth.me,
      refresh: async () => {
        try {
          const me = await api.me();
          setCsrfToken(me.csrf_token);
          setAuth({ state: 'in', me });
        } catch {
          // A 401 is handled globally; anything else keeps what we have.
        }
      },
      logout: async () => {
        try {
          await api.logout();
        } catch {
          // Signed out locally either way.
        }
        setCsrfToken(null);
        setAuth({ state: 'out' });
        navigate('/login', { replace: true });
      },
    };
  }, [auth, navigate]);

  if (auth.state === 'loading') {
    return (
      <div className="center-page">
        <Loading />
      </div>
    );
  }
  if (auth.state === 'error') {
    return (
      <main className="center-page">
        <div className="card narrow">
          <h1>CertaDNS is not answering</h1>
          <ErrorMessage>{auth.message}</ErrorMessage>
          <button type="button" className="button button-primary" onClick={() => void loadMe()}>
            Try again
          </button>
        </div>
      </main>
    );
  }

  if (auth.state === 'out') {
    if (location !== '/login') {
      // Back to this page after signing in.
      if (location !== '/') returnTo.current = location;
      return <Redirect to="/login" replace />;
    }
    return (
      <LoginPage
        notice={notice}
        onSignedIn={async (login) => {
          setNotice('');
          setCsrfToken(login.csrf_token);
          // The login answer has no plan limits: GET /me has everything the pages need.
          await loadMe();
          navigate(returnTo.current ?? '/certificates', { replace: true });
          returnTo.current = null;
        }}
      />
    );
  }

  return (
    <SessionContext.Provider value={session}>
      <Switch>
        <Route path="/login">
          <Redirect to="/certificates" replace />
        </Route>
        <Route path="/">
          <Redirect to="/certificates" replace />
        </Route>
        <Route>
          <Shell>
            <Switch>
              <Route path="/zones" component={ZonesPage} />
              <Route path="/certificates" component={CertificatesPage} />
              <Route path="/account" component={AccountPage} />
              <Route>
                <NotFound />
              </Route>
            </Switch>
          </Shell>
        </Route>
      </Switch>
    </SessionContext.Provider>
  );
}

function NotFound() {
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p className="muted">There is nothing at this address.</p>
    </div>
  );
}
