import type { ReactNode } from 'react';
import { Link, useRoute } from 'wouter';
import { Globe, KeyRound, LogOut, ShieldCheck, UserRound } from 'lucide-react';
import { useSession } from '../session';
import { planName } from '../format';
import { ErrorBoundary } from '../components/ErrorBoundary';

function NavLink({ href, icon, children }: { href: string; icon: ReactNode; children: string }) {
  const [active] = useRoute(href);
  return (
    <Link href={href} className={`nav-link ${active ? 'active' : ''}`} aria-current={active ? 'page' : undefined}>
      {icon}
      <span>{children}</span>
    </Link>
  );
}

export function Shell({ children }: { children: ReactNode }) {
  const { me, logout } = useSession();
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link href="/certificates" className="brand" aria-label="CertaDNS home">
            <ShieldCheck aria-hidden="true" size={22} />
            <span>CertaDNS</span>
          </Link>
          <nav aria-label="Main" className="nav">
            <NavLink href="/zones" icon={<Globe aria-hidden="true" size={16} />}>
              Zones
            </NavLink>
            <NavLink href="/certificates" icon={<KeyRound aria-hidden="true" size={16} />}>
              SSL Certificates
            </NavLink>
            <NavLink href="/account" icon={<UserRound aria-hidden="true" size={16} />}>
              Account
            </NavLink>
          </nav>
          <div className="user">
            <span className="user-email" title={me.email}>
              {me.email}
            </span>
            <span className={`plan plan-${me.plan.toLowerCase()}`}>{planName(me.plan)}</span>
            <button
              type="button"
              className="button button-ghost button-small logout"
              aria-label="Log out"
              title="Log out"
              onClick={() => void logout()}
            >
              <LogOut aria-hidden="true" size={16} />
              <span className="logout-text">Log out</span>
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        <ErrorBoundary>{children}</ErrorBoundary>
      </main>
    </div>
  );
}
