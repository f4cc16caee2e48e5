import fp from 'fastify-plugin';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  preHandlerAsyncHookHandler,
  preHandlerHookHandler,
} from 'fastify';
import type { ApiKeyScope, StaffRole } from '@kantiv/shared/auth';
import type { ApiKeyCaller } from '../../services/api-keys.ts';
import type { Actor } from '../../services/audit.ts';
import { TokenRejected } from '../../services/identity.ts';
import type { SetupRow } from '../../services/setups/repository.ts';
import { disconnectedError, linkLive } from '../../services/setups/wizard-gate.ts';
import { HttpError } from '../../lib/http-error.ts';
import { createSignInFailures } from './sign-in-failures.ts';

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
    requireAccess: (rule: AccessRule) => preHandlerHookHandler;
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
  const failures = createSignInFailures(app.config.rateLimit);
  const anonymous: Actor = { kind: 'system', id: 'anonymous' };

  /**
   * A credential that failed: audited and counted against the address; past the address's budget a 429 instead of
   * the 401. Only failures come here, so a valid credential is never refused because of someone else's guesses.
   * The audit entry names the address and the kind of credential, never the credential.
   */
  const refuse = async (
    request: FastifyRequest,
    reply: FastifyReply,
    err: HttpError,
    credential: Caller['kind'],
  ): Promise<HttpError> => {
    const verdict = failures.fail(request.ip);
    const entry = verdict.blocked
      ? verdict.first
        ? { action: 'auth.rate_limited', details: { address: request.ip, credential } }
        : undefined
      : { action: 'auth.failed', details: { address: request.ip, credential, reason: err.code } };
    if (entry) {
      await app.audit.record(anonymous, entry).catch((auditErr: unknown) => {
        request.log.error({ err: (auditErr as Error).message }, 'could not audit a failed sign-in');
      });
    }
    if (!verdict.blocked) return err;
    reply.header('retry-after', String(verdict.retryAfterSeconds));
    return new HttpError(429, 'rate_limited', 'Too many failed sign-ins from this address; retry later.');
  };
  const isUnauthorized = (err: unknown): err is HttpError =>
    err instanceof HttpError && err.statusCode === 401;

  /** The API key's verdict for `rule`: undefined to go on, else the error to answer with. */
  const admitKey = (
    request: FastifyRequest,
    rule: AccessRule,
    key: ApiKeyCaller | null,
  ): HttpError | undefined => {
    if (!key) return new HttpError(401, 'unauthorized', 'This API key is not valid or was revoked.');
    request.caller = { kind: 'api_key', ...key };
    if (!rule.apiKey || !key.scopes.includes(rule.apiKey)) {
      return new HttpError(
        403,
        'forbidden',
        rule.apiKey ? `This API key lacks the ${rule.apiKey} scope.` : 'API keys cannot call this route.',
      );
    }
    return undefined;
  };

  const admitStaff = async (request: FastifyRequest, rule: AccessRule, token: string): Promise<void> => {
    let staff;
    try {
      staff = await app.verifyStaffToken(token);
    } catch (err) {
      if (err instanceof TokenRejected)
        throw new HttpError(401, 'unauthorized', 'The access token is not valid.');
      request.log.warn({ err: (err as Error).message }, 'staff token verification unavailable');
      throw new HttpError(503, 'service_unavailable', 'Sign-in cannot be checked right now; retry shortly.');
    }
    request.caller = { kind: 'staff', id: staff.subject, name: staff.name, roles: staff.roles };
    // Whoever is admitted is remembered by name, so the audit log can say who (its entries keep the object id).
    await app.staffDirectory.seen(staff.subject, staff.name, staff.email);
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

  // A callback hook, not an async one: an API key the cache already knows (every request but the first in a few
  // seconds) is admitted or refused at once, without a promise. Staff tokens and unknown keys go the async way.
  app.decorate('requireAccess', (rule: AccessRule): preHandlerHookHandler => {
    return (request, reply, done) => {
      let token: string;
      try {
        token = bearer(request);
      } catch (err) {
        done(err as HttpError);
        return;
      }
      const finish = (err: Error | undefined, credential: Caller['kind']) => {
        if (!isUnauthorized(err)) done(err);
        else void refuse(request, reply, err, credential).then(done);
      };
      if (token.startsWith('kc_')) {
        const known = app.apiKeys.cached(token);
        if (known !== undefined) {
          finish(admitKey(request, rule, known), 'api_key');
          return;
        }
        app.apiKeys.authenticate(token).then(
          (key) => finish(admitKey(request, rule, key), 'api_key'),
          (err: unknown) => done(err as Error),
        );
        return;
      }
      admitStaff(request, rule, token).then(
        () => done(),
        (err: unknown) => finish(err as Error, 'staff'),
      );
    };
  });

  const admitSetupToken = async (token: string): Promise<Caller> => {
    const setup = /^[A-Za-z0-9_-]{43}$/.test(token) ? await app.setups.findByToken(token) : undefined;
    if (!setup)
      throw new HttpError(
        401,
        'unauthorized',
        'This invite link is not valid; it may have been replaced by a newer one.',
      );
    if (setup.state === 'revoked')
      throw new HttpError(401, 'setup_revoked', 'Kantiv revoked this invite. Contact Kantiv support.');
    // A live follow-up link (renewal, repair, disconnect) has its own end (on the server's clock, as it was issued),
    // long after the invite's; a live disconnect link also opens a disconnected setup: the customer's side of it
    // (decision 018). The invite's own end is on wall time, as `create` writes it.
    const liveLink = linkLive(setup, app.clock.now());
    const disconnectLink = setup.link_purpose === 'disconnect' && liveLink;
    if (setup.state === 'disconnected' && !disconnectLink) throw disconnectedError(401);
    if (!liveLink && (setup.state === 'expired' || setup.invite_expires_at < new Date().toISOString())) {
      // The page tells the admin whether a run had already reached the tenant (what it created stays there).
      throw new HttpError(
        401,
        'setup_expired',
        'This invite link has expired. Ask Kantiv support to extend it.',
        { runStarted: await app.setups.anyStepRan(setup.id) },
      );
    }
    return { kind: 'setup_token', id: setup.id, setup };
  };

  app.decorate('requireSetupToken', async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearer(request);
    try {
      request.caller = await admitSetupToken(token);
    } catch (err) {
      throw isUnauthorized(err) ? await refuse(request, reply, err, 'setup_token') : err;
    }
  });
}

export default fp(auth, { name: 'auth', dependencies: ['services'] });
