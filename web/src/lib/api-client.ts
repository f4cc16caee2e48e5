import type { ErrorCode } from '@kantiv/shared/errors';
import { apiErrorGuard } from './answer-guards.ts';

/** An error from our API, already in the shared shape; `message` is written for people. */
export class ApiClientError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network_error' | 'unexpected_response',
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiClientError';
  }
}

export type RequestOptions = {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
};

/**
 * What checks an answer: a shared zod schema, or for the first page's answers its hand-written guard
 * (answer-guards.ts), which a test holds to the schema.
 */
export type AnswerParser<T> = {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
};

/** Calls our API and parses the answer with the shared schema, so a contract drift fails loudly here. */
export async function apiRequest<T>(
  baseUrl: string,
  path: string,
  schema: AnswerParser<T>,
  { method = 'GET', body, headers = {}, signal }: RequestOptions = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? null : JSON.stringify(body),
      signal: signal ?? null,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiClientError(
      0,
      'network_error',
      'Kantiv Connect could not be reached. Check your connection.',
    );
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const parsed = apiErrorGuard.safeParse(json);
    if (parsed.success) {
      throw new ApiClientError(
        res.status,
        parsed.data.error.code,
        parsed.data.error.message,
        parsed.data.error.details,
      );
    }
    throw new ApiClientError(res.status, 'unexpected_response', `Kantiv Connect answered ${res.status}.`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ApiClientError(
      res.status,
      'unexpected_response',
      'Kantiv Connect sent an answer this page cannot read.',
    );
  }
  return parsed.data;
}
