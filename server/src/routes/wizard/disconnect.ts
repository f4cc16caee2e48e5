import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { WizardDisconnectRequestSchema, WizardDisconnectResponseSchema } from '@kantiv/shared/disconnect';
import { actorOf } from '../../plugins/app/auth.ts';
import { HttpError } from '../../lib/http-error.ts';
import { errorResponses } from '../schemas.ts';
import { checkAdminSignIn } from './admin-sign-in.ts';

/**
 * The end of a disconnect link's run (decision 018): the wizard removed what Kantiv created in the tenant and says
 * what it removed; the server shreds the credential (unless support did already) and records who confirmed it. The
 * admin's fresh Microsoft sign-in names them: a setup token alone says nothing about a person.
 */
const wizardDisconnectRoutes: FastifyPluginAsyncZod = async (app) => {
  const rateLimit = { max: app.config.rateLimit.max, timeWindow: app.config.rateLimit.windowMs };
  app.post(
    '/api/v1/wizard/disconnect',
    {
      config: { rateLimit },
      preHandler: app.requireSetupToken,
      schema: {
        tags: ['wizard'],
        description:
          "A disconnect link's result: the setup becomes `disconnected` (its credential crypto-shredded, token vending 410) if it was not yet, and the audit log names the admin and what was removed from the tenant. The link is spent.",
        body: WizardDisconnectRequestSchema,
        response: {
          200: WizardDisconnectResponseSchema,
          ...errorResponses(400, 401, 403, 409, 429, 503),
        },
      },
    },
    async (request) => {
      const caller = request.caller;
      if (caller?.kind !== 'setup_token') throw new HttpError(401, 'unauthorized', 'Setup token required.');
      const setup = caller.setup;
      const identity = await checkAdminSignIn(app, setup, request.body.idToken, request.log);
      const done = await app.disconnect.customer(
        setup,
        { admin: identity.username, removed: request.body.removed },
        actorOf(request),
      );
      return {
        state: 'disconnected' as const,
        credentialsShredded: done.credentialsShredded,
        disconnectedBy: identity.username,
      };
    },
  );
};

export default wizardDisconnectRoutes;
