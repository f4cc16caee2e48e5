import { header, json, type Ctx, type Reply } from '../http.ts';

/** Graph's error body: `error.code`, `error.message`, `error.innerError` with `date`, `request-id`, `client-request-id`. */
export function graphError(
  ctx: Ctx,
  status: number,
  code: string,
  message: string,
  details?: unknown[],
): Reply {
  const clientRequestId = header(ctx, 'client-request-id') ?? ctx.requestId;
  return json(
    status,
    {
      error: {
        code,
        message,
        ...(details ? { details } : {}),
        innerError: {
          date: new Date().toISOString().replace(/\.\d+Z$/, ''),
          'request-id': ctx.requestId,
          'client-request-id': clientRequestId,
        },
      },
    },
    { 'request-id': ctx.requestId, 'client-request-id': clientRequestId },
  );
}

export const insufficientPrivileges = (ctx: Ctx) =>
  graphError(ctx, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');

export const notFound = (ctx: Ctx, id: string) =>
  graphError(
    ctx,
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );

export const badRequest = (ctx: Ctx, message: string, details?: unknown[]) =>
  graphError(ctx, 400, 'Request_BadRequest', message, details);

/** The tenant app management policy refuses a credential type (`passwordAddition`, `trustedCertificateAuthority`). */
export const credentialTypeRefused = (ctx: Ctx, type: 'Password' | 'Asymmetric key') =>
  graphError(
    ctx,
    400,
    'CredentialTypeNotAllowedAsPerAppPolicy',
    `${type} credential type is not allowed as per assigned policy.`,
  );
