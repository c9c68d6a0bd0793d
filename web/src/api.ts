// The dashboard's only way to the server: /api/v1 with the session cookie, X-CSRF-Token on every
// non-GET (the token is kept in memory only), errors as ApiError carrying the API's `detail`.

export type Plan = 'free' | 'plus' | 'pro' | 'elite';

export interface Limits {
  max_certificates: number;
  current_count: number;
  wildcard_enabled: boolean;
  auto_renew_enabled: boolean;
}

export interface Me {
  id: string;
  email: string;
  plan: string;
  limits: Limits;
  csrf_token?: string;
}

export interface Zone {
  id: string;
  name: string;
  verified: boolean;
  created_at: string;
  verification: {
    nameservers: string[];
    txt_name: string;
    txt_value: string;
    detail?: string;
  };
}

export type CertificateStatus = 'pending' | 'validating' | 'issued' | 'failed' | 'expired' | 'revoked';

export interface Certificate {
  id: string;
  domain: string;
  sans: string[];
  is_wildcard: boolean;
  auto_renew: boolean;
  status: CertificateStatus;
  issued_at: string | null;
  expires_at: string | null;
  next_renewal_at: string | null;
}

export interface CertificateEvent {
  timestamp: string;
  level: string;
  message: string;
}

export interface CertificateFiles {
  certificate_pem: string;
  chain_pem: string;
  fullchain_pem?: string;
  private_key_pem: string;
}

export interface PreflightCheck {
  name: string;
  ok: boolean;
  detail: string;
  code?: string;
}

export interface PreflightReport {
  ok: boolean;
  checks: PreflightCheck[];
}

export interface ApiKey {
  id: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  key?: string;
}

export const WEBHOOK_EVENTS = [
  'certificate.issued',
  'certificate.renewed',
  'certificate.failed',
  'certificate.expiring',
  'certificate.renewal_overdue',
] as const;
export interface Webhook {
  id: string;
  url: string;
  events: string[];
  created_at: string;
  /** Only in the answer to its creation. */
  secret?: string;
}
export interface Delivery {
  id: string;
  event_type: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  status_code: number | null;
  error: string;
  created_at: string;
  next_attempt_at: string | null;
}
export interface NotificationSettings {
  email: { enabled: boolean; success: boolean; address?: string; available?: boolean };
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** Seconds from a Retry-After header (429, 503), when the server sent one. */
  readonly retryAfter: number | null;
  constructor(status: number, code: string, detail: string, retryAfter: number | null = null) {
    super(detail);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setCsrfToken(token: string | null | undefined): void {
  csrfToken = token ?? null;
}

/** Called on any 401 (other than a failed sign-in): the app goes to /login. */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

interface RequestOptions {
  body?: unknown;
  /** A 401 is the answer itself (sign-in), not a lost session. */
  allowUnauthorized?: boolean;
  /** The answer is a file (a download): returned as a Blob when the status is 2xx. */
  file?: boolean;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
    });
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the CertaDNS server. Check your connection and try again.');
  }
  if (options.file && response.ok) return (await response.blob()) as T;
  let json: unknown = null;
  const text = await response.text();
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!response.ok) {
    const body = (json ?? {}) as { detail?: unknown; code?: unknown };
    const detail =
      typeof body.detail === 'string' && body.detail
        ? body.detail
        : `The server answered ${response.status} ${response.statusText}`.trim();
    const retry = Number.parseInt(response.headers.get('Retry-After') ?? '', 10);
    const error = new ApiError(
      response.status,
      typeof body.code === 'string' ? body.code : '',
      detail,
      Number.isFinite(retry) && retry >= 0 ? retry : null,
    );
    if (response.status === 401 && !options.allowUnauthorized) {
      csrfToken = null;
      onUnauthorized?.();
    }
    throw error;
  }
  return json as T;
}

export const api = {
  login: (email: string, password: string) =>
    request<Me>('POST', '/auth/login', { body: { email, password }, allowUnauthorized: true }),
  logout: () => request<unknown>('POST', '/auth/logout', { body: {} }),
  me: () => request<Me>('GET', '/me'),
  changePassword: (current_password: string, new_password: string) =>
    request<{ password_changed: boolean }>('PUT', '/me/password', { body: { current_password, new_password } }),

  zones: () => request<{ zones: Zone[] }>('GET', '/zones'),
  importZone: (name: string) => request<Zone>('POST', '/zones', { body: { name } }),
  verifyZone: (id: string) => request<Zone>('POST', `/zones/${encodeURIComponent(id)}/verify`, { body: {} }),
  deleteZone: (id: string) => request<{ deleted: boolean }>('DELETE', `/zones/${encodeURIComponent(id)}`),

  certificates: () => request<{ certificates: Certificate[]; limits: Limits }>('GET', '/certificates'),
  createCertificate: (body: { zone_id: string; domain: string; sans: string[]; wildcard: boolean; auto_renew: boolean }) =>
    request<Certificate>('POST', '/certificates', { body }),
  /** The checks POST /certificates runs before ordering, with the same body; creates nothing. */
  preflight: (body: { zone_id: string; domain: string; sans: string[]; wildcard: boolean; auto_renew: boolean }) =>
    request<PreflightReport>('POST', '/certificates/preflight', { body }),
  certificateLogs: (id: string) =>
    request<{ id: string; logs: CertificateEvent[] }>('GET', `/certificates/${encodeURIComponent(id)}/logs`),
  download: (id: string) => request<CertificateFiles>('GET', `/certificates/${encodeURIComponent(id)}/download`),
  /** PKCS#12 (.p12): the passphrase goes in the body only, never in the URL. */
  downloadPkcs12: (id: string, passphrase: string) =>
    request<Blob>('POST', `/certificates/${encodeURIComponent(id)}/download/pkcs12`, {
      body: { passphrase },
      file: true,
    }),
  /** certbot's cert.pem, chain.pem, fullchain.pem and privkey.pem in a .zip. */
  downloadBundle: (id: string) =>
    request<Blob>('GET', `/certificates/${encodeURIComponent(id)}/download/bundle`, { file: true }),
  renew: (id: string) => request<Certificate>('POST', `/certificates/${encodeURIComponent(id)}/renew`, { body: {} }),
  webhooks: () => request<{ webhooks: Webhook[] }>('GET', '/webhooks'),
  createWebhook: (url: string, events: string[]) => request<Webhook>('POST', '/webhooks', { body: { url, events } }),
  deleteWebhook: (id: string) => request<{ deleted: boolean }>('DELETE', `/webhooks/${encodeURIComponent(id)}`),
  testWebhook: (id: string) =>
    request<{ delivery: Delivery }>('POST', `/webhooks/${encodeURIComponent(id)}/test`, { body: {} }),
  webhookDeliveries: (id: string) =>
    request<{ deliveries: Delivery[] }>('GET', `/webhooks/${encodeURIComponent(id)}/deliveries`),
  notificationSettings: () => request<NotificationSettings>('GET', '/notifications'),
  putNotificationSettings: (email: { enabled: boolean; success: boolean }) =>
    request<NotificationSettings>('PUT', '/notifications', { body: { email } }),
  setAutoRenew: (id: string, enabled: boolean) =>
    request<Certificate>('PUT', `/certificates/${encodeURIComponent(id)}/auto-renew`, { body: { enabled } }),
  deleteCertificate: (id: string, revoke: boolean) =>
    request<{ deleted: boolean; revoked: boolean }>(
      'DELETE',
      `/certificates/${encodeURIComponent(id)}?revoke=${revoke ? 'true' : 'false'}`,
    ),

  apiKeys: () => request<{ api_keys: ApiKey[] }>('GET', '/api-keys'),
  createApiKey: () => request<ApiKey>('POST', '/api-keys', { body: {} }),
  revokeApiKey: (id: string) => request<{ revoked: boolean }>('DELETE', `/api-keys/${encodeURIComponent(id)}`),
};

export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    // Let's Encrypt's limits (rate_limit_*) say in their detail when the next order is possible.
    if (error.code.startsWith('rate_limit_')) return error.message;
    if (error.retryAfter !== null && (error.status === 429 || error.status === 503)) {
      const s = error.retryAfter;
      return `${error.message} (try again in ${s} ${s === 1 ? 'second' : 'seconds'})`;
    }
    return error.message;
  }
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Please try again.';
}
