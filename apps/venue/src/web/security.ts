import { createHash, timingSafeEqual } from 'node:crypto';
import { DEFAULT_SECURITY_CONFIG, type FixGatewayOptions, LogonGuard } from '@venue/gateway';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VenueConfig } from '../config/config.js';
import { adminTokenOf } from '../config/security.js';

/** The gateway's limits from the venue config (`security` block). */
export function gatewaySecurity(config: VenueConfig): Pick<FixGatewayOptions, 'connectionsMax' | 'security'> {
  const s = config.security;
  return {
    connectionsMax: s.fixConnectionsMax,
    security: {
      connectionsPerAddressMax: s.fixConnectionsPerAddressMax,
      logonFailuresFreePerLogin: s.logonFailuresFreePerLogin,
      logonFailuresFreePerAddress: s.logonFailuresFreePerAddress,
      logonLockBaseMs: s.logonLockBaseMs,
      logonLockMaxMs: s.logonLockMaxMs,
    },
  };
}

/**
 * Security headers on every response (UI page, static files, API, errors). A small onSend hook
 * rather than @fastify/helmet: five fixed headers need no dependency, and helmet's default CSP
 * adds `upgrade-insecure-requests`, which breaks the demo served over plain http on a LAN address.
 * The UI is a same-origin bundle (scripts and styles from 'self', WebSockets to the same host);
 * inline styles are allowed because the chart library and React set style attributes.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * Headers, JSON errors that never echo the request (a 404 does not repeat the URL, a validation
 * error names the field, not its value) and JSON content types for the API.
 */
export function registerWebSecurity(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    if (req.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    return payload;
  });
  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).type('application/json; charset=utf-8').send({ error: 'not found' });
  });
  app.setErrorHandler(
    (err: { statusCode?: number; validation?: unknown; message: string; code?: string }, _req, reply) => {
      const status =
        err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
      let error: string;
      if (err.validation !== undefined) error = `invalid request: ${err.message}`;
      else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') error = 'unsupported content type';
      else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') error = 'request body too large';
      else if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') error = 'the body is not valid JSON';
      else if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') error = 'the JSON body is empty';
      // Fastify's codes are constants, never request content.
      else if (status < 500) error = `bad request (${err.code ?? status})`;
      else error = 'internal error';
      void reply.code(status).type('application/json; charset=utf-8').send({ error });
    },
  );
}

/**
 * Schema of a query string that takes no parameters: any is a 400. (`maxProperties`, because
 * fastify's ajv runs with `removeAdditional`, which drops extra keys silently instead of failing.)
 */
export const NO_QUERY = { type: 'object', maxProperties: 0 } as const;

export type AdminCheck =
  | { readonly ok: true; readonly who: string }
  | {
      readonly ok: false;
      readonly code: 401 | 403 | 429;
      readonly error: string;
      readonly retryAfterS?: number;
    };

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/**
 * Admin authorization of the web API's actions (kill/restart of members): `Authorization: Bearer
 * <adminToken>` (the token in force: `adminTokenOf`), or `Basic <admin login>:<password>` (what the web UI sends). Missing
 * credentials: 401; wrong ones or a non-admin login: 403; repeated failures from one address are
 * locked out for a growing time (429 with Retry-After), like FIX logons.
 */
export class AdminAuth {
  private readonly guard: LogonGuard;

  constructor(private readonly config: VenueConfig) {
    const s = config.security;
    this.guard = new LogonGuard({
      ...DEFAULT_SECURITY_CONFIG,
      logonFailuresFreePerLogin: s.logonFailuresFreePerLogin,
      logonFailuresFreePerAddress: s.logonFailuresFreePerLogin,
      logonLockBaseMs: s.logonLockBaseMs,
      logonLockMaxMs: s.logonLockMaxMs,
    });
  }

  check(header: string | string[] | undefined, address: string, nowMs = Date.now()): AdminCheck {
    if (typeof header !== 'string' || header === '') {
      return {
        ok: false,
        code: 401,
        error: 'admin credentials required: Authorization: Bearer <admin token>',
      };
    }
    const key = `web-admin@${address}`;
    const locked = this.guard.refusal(key, address, nowMs);
    if (locked !== undefined) {
      const s = Number(/retry in (\d+) s/.exec(locked)?.[1] ?? '1');
      return { ok: false, code: 429, error: locked, retryAfterS: s };
    }
    const who = this.identify(header);
    if (who !== undefined) {
      this.guard.success(key);
      return { ok: true, who };
    }
    this.guard.failure(key, address, nowMs);
    return { ok: false, code: 403, error: 'admin credentials refused' };
  }

  private identify(header: string): string | undefined {
    if (header.startsWith('Bearer ')) {
      const token = adminTokenOf(this.config);
      return token !== undefined && same(header.slice(7), token) ? 'admin token' : undefined;
    }
    if (header.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return undefined;
      const login = decoded.slice(0, colon);
      const account = this.config.accounts.find((a) => a.login === login);
      const ok = same(decoded.slice(colon + 1), account?.password ?? `\u0000${decoded}`);
      return ok && account?.admin === true ? login : undefined;
    }
    return undefined;
  }

  /** Sends the refusal (401 with WWW-Authenticate, 403, or 429 with Retry-After). */
  static refuse(reply: FastifyReply, r: Extract<AdminCheck, { ok: false }>): FastifyReply {
    if (r.code === 401)
      reply.header('www-authenticate', 'Bearer realm="venue-admin", Basic realm="venue-admin"');
    if (r.retryAfterS !== undefined) reply.header('retry-after', String(r.retryAfterS));
    return reply.code(r.code).send({ error: r.error });
  }
}

/** The client address of a request (for the admin lockout). */
export function clientAddress(req: FastifyRequest): string {
  return req.socket.remoteAddress ?? 'unknown';
}
