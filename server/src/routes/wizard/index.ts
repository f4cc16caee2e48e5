import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  IdentityBindingRequestSchema,
  IdentityBindingResponseSchema,
  WizardSetupSchema,
} from '@kantiv/shared/setup';
import { PostStepEventsRequestSchema, PostStepEventsResponseSchema } from '@kantiv/shared/events';
import { WizardMomentRequestSchema, WizardMomentResponseSchema } from '@kantiv/shared/attention';
import {
  CertificateRequestSchema,
  CertificateResponseSchema,
  CredentialHandoffRequestSchema,
  CredentialHandoffResponseSchema,
} from '@kantiv/shared/credentials';
import { RepairReportSchema } from '@kantiv/shared/setup-links';
import {
  EnvironmentCheckRequestSchema,
  EnvironmentCheckResponseSchema,
} from '@kantiv/shared/environment-claims';
import { actorOf, type Caller } from '../../plugins/app/auth.ts';
import { HttpError } from '../../lib/http-error.ts';
import type { SetupRow } from '../../services/setups/repository.ts';
import { signInNonce } from '../../services/setups/sign-in-nonce.ts';
import { assertWizardMayRead } from '../../services/setups/wizard-gate.ts';
import { checkAdminSignIn } from './admin-sign-in.ts';
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
      await app.setups.moments.opened(setup, actorOf(request));
      return WizardSetupSchema.parse({
        ...(await app.setups.get(setup.id)),
        signInNonce: signInNonce(setup),
        ...(setup.link_purpose === 'disconnect' ? { appShared: await app.disconnect.appShared(setup) } : {}),
        connectedEnvironments: await app.environmentClaims.list(await app.setups.getRow(setup.id)),
      });
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
      const identity = await checkAdminSignIn(app, setup, request.body.idToken, request.log, (who, reason) =>
        app.setups.moments.wrongTenant(setup, { ...who, reason }, actorOf(request)),
      );
      // A disconnect link changes nothing about the setup's binding: the sign-in only has to be of its tenant.
      if (setup.link_purpose !== 'disconnect')
        await app.setups.bindIdentity(setup, identity, actorOf(request));
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
    '/api/v1/wizard/moments',
    {
      config: { rateLimit },
      preHandler: app.requireSetupToken,
      schema: {
        tags,
        description:
          'What only the wizard sees: a blocker it showed the admin (with the fix), or the admin pressing Cancel.',
        body: WizardMomentRequestSchema,
        response: { 200: WizardMomentResponseSchema, ...errorResponses(...ERRORS) },
      },
    },
    async (request) => ({
      recorded: await app.setups.moments.record(setupOf(request.caller), request.body, actorOf(request)),
    }),
  );

  app.post(
    '/api/v1/wizard/environment-check',
    {
      config: { rateLimit },
      preHandler: app.requireSetupToken,
      schema: {
        tags,
        description:
          'Before the run: may this setup connect the environment? `connected` when another setup of the tenant connected it and that connection works (checked again now); `replaces` when that connection no longer works.',
        body: EnvironmentCheckRequestSchema,
        response: { 200: EnvironmentCheckResponseSchema, ...errorResponses(...ERRORS) },
      },
    },
    async (request) => {
      const setup = setupOf(request.caller);
      assertWizardMayRead(setup);
      return app.environmentClaims.check(
        await app.setups.getRow(setup.id),
        request.body.environmentUrl,
        request.body.clientId,
      );
    },
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

  app.post(
    '/api/v1/wizard/repaired',
    {
      config: { rateLimit },
      preHandler: app.requireSetupToken,
      schema: {
        tags,
        description:
          "A repair link's run finished: the ids it converged on (a recreated application user's new id). Spends the link and runs the setup's health check now; the check, not this report, says whether it recovered.",
        body: RepairReportSchema,
        response: { 204: z.null(), ...errorResponses(...ERRORS) },
      },
    },
    async (request, reply) => {
      await app.repair(setupOf(request.caller), request.body, actorOf(request));
      return reply.code(204).send(null);
    },
  );
};

export default wizardRoutes;
