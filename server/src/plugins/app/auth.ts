import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { ApiKeyScope, StaffRole } from '@kantiv/shared/auth';
import type { Actor } from '../../services/audit.ts';
import { TokenRejected } from '../../services/identity.ts';
import type { SetupRow } from '../../services/setups.ts';
import { HttpError } from '../error-handler.ts';

export type Caller =
  | { kind: 'staff'; id: string; name: string | undefined; roles: StaffRole[] }
  | { kind: 'api_key'; id: string; name: string; scopes: ApiKeyScope[] }
  | { kind: 'setup_token'; id: string; setup: SetupRow };

/** Who may call a staff/API route: staff with at least `staff` access, and/or API keys holding `apiKey` scope. */
export type AccessRule = { staff?: 'read' | 'manage'; apiKey?: ApiKeyScope };

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | undefined;
  }
  interface FastifyInstance {
    requireAccess: (rule: AccessRule) => preHandlerAsyncHookHandler;
    requireSetupToken: preHandlerAsyncHookHandler;
  }
}

export function actorOf(request: FastifyRequest): Actor {
  const c = request.caller;
  if (!c) return { kind: 'system', id: 'anonymous' };
  return { kind: c.kind, id: c.id };
}

function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S{1,20000})\s*$/i.exec(header) : null;
  if (!match?.[1])
    throw new HttpError(401, 'unauthorized', 'Send a bearer token in the Authorization header.');
  return match[1];
}

/**
 * Every route states who may call it. Unknown, invalid or expired credentials answer 401; a valid caller without
 * the needed role or scope answers 403.
 */
async function auth(app: FastifyInstance) {
  app.decorateRequest('caller', undefined);

  app.decorate('requireAccess', (rule: AccessRule): preHandlerAsyncHookHandler => {
    return async (request: FastifyRequest, _reply: FastifyReply) => {
      const token = bearer(request);
      if (token.startsWith('kc_')) {
        const key = await app.apiKeys.authenticate(token);
        if (!key) throw new HttpError(401, 'unauthorized', 'This API key is not valid or was revoked.');
        request.caller = { kind: 'api_key', ...key };
        if (!rule.apiKey || !key.scopes.includes(rule.apiKey)) {
          throw new HttpError(
            403,
            'forbidden',
            rule.apiKey ? `This API key lacks the ${rule.apiKey} scope.` : 'API keys cannot call this route.',
          );
        }
        return;
      }
      let staff;
      try {
        staff = await app.verifyStaffToken(token);
      } catch (err) {
        if (err instanceof TokenRejected)
          throw new HttpError(401, 'unauthorized', 'The access token is not valid.');
        request.log.warn({ err: (err as Error).message }, 'staff token verification unavailable');
        throw new HttpError(
          503,
          'service_unavailable',
          'Sign-in cannot be checked right now; retry shortly.',
        );
      }
      request.caller = { kind: 'staff', id: staff.subject, name: staff.name, roles: staff.roles };
      const allowed =
        rule.staff === 'manage'
          ? staff.roles.includes('Connect.Manage')
          : rule.staff === 'read'
            ? staff.roles.includes('Connect.Read') || staff.roles.includes('Connect.Manage')
            : false;
      if (!allowed) {
        throw new HttpError(
          403,
          'forbidden',
          staff.roles.length === 0
            ? 'Your account has no Kantiv Connect role.'
            : 'Your role does not allow this action.',
        );
      }
    };
  });

  app.decorate('requireSetupToken', async (request: FastifyRequest) => {
    const token = bearer(request);
    const setup = /^[A-Za-z0-9_-]{43}$/.test(token) ? await app.setups.findByToken(token) : undefined;
    if (!setup)
      throw new HttpError(
        401,
        'unauthorized',
        'This invite link is not valid; it may have been replaced by a newer one.',
      );
    if (setup.state === 'revoked')
      throw new HttpError(401, 'setup_revoked', 'Kantiv revoked this invite. Contact Kantiv support.');
    if (setup.state === 'expired' || setup.invite_expires_at < new Date().toISOString()) {
      throw new HttpError(
        401,
        'setup_expired',
        'This invite link has expired. Ask Kantiv support to extend it.',
      );
    }
    request.caller = { kind: 'setup_token', id: setup.id, setup };
  });
}

export default fp(auth, { name: 'auth', dependencies: ['services'] });
