import { randomBytes, randomUUID } from 'node:crypto';
import { json, noContent } from '../http.ts';
import type { Application, PasswordCredential } from '../state.ts';
import { sha256Hex } from '../tokens.ts';
import { canWriteApplications } from './auth.ts';
import { withTargetAndBody, type Body, type TargetHandler } from './crud.ts';
import { badRequest, credentialTypeRefused, graphError } from './errors.ts';

/** An application's client secrets: `addPassword` (the only answer that shows the secret) and `removePassword`. */

function generateSecret(): string {
  // Entra secrets are 40 characters: three random, a version digit and '~', then 35 random (URL-safe alphabet).
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.';
  const bytes = randomBytes(38);
  const pick = (i: number) => alphabet[(bytes[i] ?? 0) % alphabet.length] ?? 'a';
  let s = '';
  for (let i = 0; i < 3; i++) s += pick(i);
  s += '8Q~';
  for (let i = 3; i < 38; i++) s += pick(i);
  return s.slice(0, 40);
}

export const addPassword: TargetHandler<Application> = (rt, ctx, caller, app, key) => {
  return withTargetAndBody(ctx, canWriteApplications(rt, caller), app, key, (target, body) => {
    const pc = (body.passwordCredential ?? {}) as Body;
    const now = rt.now();
    const start = typeof pc.startDateTime === 'string' ? Date.parse(pc.startDateTime) : now;
    const end =
      typeof pc.endDateTime === 'string'
        ? Date.parse(pc.endDateTime)
        : new Date(start).setUTCFullYear(new Date(start).getUTCFullYear() + 2);
    if (Number.isNaN(start) || Number.isNaN(end) || end <= start) {
      return badRequest(
        ctx,
        "Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'.",
      );
    }
    const who = rt.who(caller.user, caller.tenant.id);
    if (
      caller.tenant.policy.blockPasswordCredentials ||
      rt.scenarios.has('password-credentials-blocked', who)
    ) {
      return credentialTypeRefused(ctx, 'Password');
    }
    // Microsoft's words and details (Azure/azure-cli#12946): "Not allowed to add 3 passwords. You can only add a maximum of 2 passwords."
    const limits = rt.scenarios.find('too-many-app-passwords', who).map((s) => s.max);
    const limit = limits.length > 0 ? Math.min(...limits) : null;
    if (limit !== null && target.passwordCredentials.length >= limit) {
      return graphError(
        ctx,
        400,
        'TooManyAppPasswords',
        `Not allowed to add ${target.passwordCredentials.length + 1} passwords. You can only add a maximum of ${limit} passwords.`,
        [{ target: 'passwordCredentials', code: 'TooManyAppPasswords' }],
      );
    }
    const caps = rt.scenarios.find('password-lifetime-capped', who).map((s) => s.maxDays);
    if (caller.tenant.policy.maxPasswordLifetimeDays !== null)
      caps.push(caller.tenant.policy.maxPasswordLifetimeDays);
    const maxDays = caps.length > 0 ? Math.min(...caps) : null;
    if (maxDays !== null && end - start > maxDays * 86400_000) {
      return graphError(
        ctx,
        400,
        'CredentialInvalidLifetimeAsPerAppPolicy',
        'Credential lifetime exceeds the max value allowed as per assigned policy.',
      );
    }
    const secretText = generateSecret();
    const cred: PasswordCredential = {
      keyId: randomUUID(),
      displayName: typeof pc.displayName === 'string' ? pc.displayName : null,
      hint: secretText.slice(0, 3),
      startDateTime: new Date(start).toISOString(),
      endDateTime: new Date(end).toISOString(),
      customKeyIdentifier: null,
      secretHash: sha256Hex(secretText),
      usableAt: now + rt.replicationDelayMs(caller.tenant.id),
    };
    target.passwordCredentials.push(cred);
    return json(200, {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.passwordCredential',
      customKeyIdentifier: null,
      displayName: cred.displayName,
      endDateTime: cred.endDateTime,
      hint: cred.hint,
      keyId: cred.keyId,
      secretText,
      startDateTime: cred.startDateTime,
    });
  });
};

export const removePassword: TargetHandler<Application> = (rt, ctx, caller, app, key) => {
  return withTargetAndBody(ctx, canWriteApplications(rt, caller), app, key, (target, body) => {
    const keyId = body.keyId;
    if (typeof keyId !== 'string')
      return badRequest(ctx, "Invalid value specified for property 'keyId' of resource 'Application'.");
    const before = target.passwordCredentials.length;
    target.passwordCredentials = target.passwordCredentials.filter((p) => p.keyId !== keyId);
    if (target.passwordCredentials.length === before) {
      return graphError(
        ctx,
        404,
        'Request_ResourceNotFound',
        `No password credential found with keyId '${keyId}'.`,
      );
    }
    return noContent();
  });
};
