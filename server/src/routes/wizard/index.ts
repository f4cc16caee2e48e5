import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  IdentityBindingRequestSchema,
  IdentityBindingResponseSchema,
  WizardSetupSchema,
} from '@kantiv/shared/setup';
import { PostStepEventsRequestSchema, PostStepEventsResponseSchema } from '@kantiv/shared/events';
import {
  CertificateRequestSchema,
  CertificateResponseSchema,
  CredentialHandoffRequestSchema,
  CredentialHandoffResponseSchema,
} from '@kantiv/shared/credentials';
import { actorOf, type Caller } from '../../plugins/app/auth.ts';
import { HttpError } from '../../lib/http-error.ts';
import { TokenRejected } from '../../services/identity.ts';
import type { SetupRow } from '../../services/setups/repository.ts';
import { assertWizardMayRead } from '../../services/setups/wizard-gate.ts';
import { errorResponses } from '../schemas.ts';

const tags = ['wizard'];
const ERRORS = [400, 401, 403, 409, 429] as const;

/**
 * The customer admin's wizard, authenticated by the setup token from the invite link. Rate-limited per token: the
 * routes accept a credential, so guessing or flooding must stay cheap for us and slow for the caller.
 */
const wizardRoutes: FastifyPluginAsyncZod = async (app) => {
  const setupOf = (caller: Caller | undefined): SetupRow => {
    if (caller?.kind !== 'setup_token') throw new HttpError(401, 'unauthorized', 'Setup token required.');
    return caller.setup;
  };
  const rateLimit = { max: app.config.rateLimit.max, timeWindow: app.config.rateLimit.windowMs };

  app.get(
    '/api/v1/wizard/setup',
    {
      config: { rateLimit },
      preHandler: app.requireSetupToken,
      schema: { tags, response: { 200: WizardSetupSchema, ...errorResponses(...ERRORS) } },
    },
    async (request) => {
      const setup = setupOf(request.caller);
      assertWizardMayRead(setup);
      return WizardSetupSchema.parse(await app.setups.get(setup.id));
    },
  );

  app.post(
    '/api/v1/wizard/identity',
    {
      config: { rateLimit },
      preHandler: app.requireSetupToken,
      schema: {
        tags,
        body: IdentityBindingRequestSchema,
        response: { 200: IdentityBindingResponseSchema, ...errorResponses(...ERRORS, 503) },
      },
    },
    async (request) => {
      const setup = setupOf(request.caller);
      let identity;
      try {
        identity = await app.verifyIdToken(request.body.idToken);
      } catch (err) {
        if (err instanceof TokenRejected)
          throw new HttpError(
            400,
            'invalid_id_token',
            'The Microsoft sign-in could not be verified. Sign in again.',
          );
        request.log.warn({ err: (err as Error).message }, 'Microsoft keys unavailable');
        throw new HttpError(
          503,
          'service_unavailable',
          'Microsoft sign-in cannot be checked right now; retry shortly.',
        );
      }
      if (setup.tenant_id && setup.tenant_id !== identity.tenantId) {
        throw new HttpError(
          403,
          'tenant_mismatch',
          'You signed in to a different Microsoft tenant than the one this setup started with.',
        );
      }
      const domain = identity.username.includes('@')
        ? identity.username.split('@').pop()?.toLowerCase()
        : undefined;
      const expected = setup.expected_tenant_domain;
      if (expected && domain !== expected && !domain?.endsWith(`.${expected}`)) {
        throw new HttpError(
          403,
          'tenant_mismatch',
          `Kantiv expects an account of ${expected}; you signed in as ${identity.username}. Sign in with an admin account of ${expected}.`,
        );
      }
      await app.setups.bindIdentity(setup, { ...identity, domain }, actorOf(request));
      return {
        tenantId: identity.tenantId,
        username: identity.username,
        ...(identity.name ? { name: identity.name } : {}),
      };
    },
  );

  app.post(
    '/api/v1/wizard/events',
    {
      config: { rateLimit },
      preHandler: app.requireSetupToken,
      schema: {
        tags,
        body: PostStepEventsRequestSchema,
        response: { 200: PostStepEventsResponseSchema, ...errorResponses(...ERRORS) },
      },
    },
    async (request) =>
      app.setups.postStepEvents(setupOf(request.caller), request.body.events, actorOf(request)),
  );

  app.post(
    '/api/v1/wizard/certificate',
    {
      config: { rateLimit },
      preHandler: app.requireSetupToken,
      schema: {
        tags,
        description:
          'Certificate mode: the server makes a key pair and self-signed certificate for the application and answers with the public certificate only; the private key stays sealed on the server.',
        body: CertificateRequestSchema,
        response: { 201: CertificateResponseSchema, ...errorResponses(...ERRORS) },
      },
    },
    async (request, reply) => {
      const made = await app.handoff.makeCertificate(setupOf(request.caller), request.body, actorOf(request));
      return reply.code(201).header('cache-control', 'no-store').send(made);
    },
  );

  app.post(
    '/api/v1/wizard/credentials',
    {
      config: { rateLimit },
      preHandler: app.requireSetupToken,
      schema: {
        tags,
        description:
          'The one request that carries a secret. Idempotent by idempotencyKey; answers 202 with the verification state.',
        body: CredentialHandoffRequestSchema,
        response: { 202: CredentialHandoffResponseSchema, ...errorResponses(...ERRORS) },
      },
    },
    async (request, reply) => {
      const result = await app.handoff.handOff(setupOf(request.caller), request.body, actorOf(request));
      return reply.code(202).header('cache-control', 'no-store').send(result);
    },
  );
};

export default wizardRoutes;
