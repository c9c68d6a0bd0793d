import { createContext, useContext } from 'react';
import type { Me } from './api';

export interface Session {
  me: Me;
  /** Re-reads GET /me (plan limits and count change as certificates come and go). */
  refresh: () => Promise<void>;
  logout: () => Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}
