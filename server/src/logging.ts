import {
  LogController,
  type FastifyBaseLogger,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';

/**
 * Paths pino must never print. Secrets travel only in bodies and the Authorization header, and request bodies are
 * not logged at all; these paths are the safety net for anything that logs an object by accident.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["last-event-id"]',
  'headers.authorization',
  'body.clientSecret',
  'body.idToken',
  'clientSecret',
  'secret',
  'idToken',
  'accessToken',
  'signingSecret',
  'key',
  'err.config.headers.Authorization',
];

type Bindings = Record<string, unknown>;
type LogArgs = Parameters<FastifyBaseLogger['info']>;
/** The pino logger Fastify builds from our options (`isLevelEnabled` is pino's, not in Fastify's base type). */
type PinoLike = FastifyBaseLogger & { isLevelEnabled(level: string): boolean };

/**
 * A request's logger, made into a pino child only when the request first logs something.
 *
 * Fastify gives every request a child logger carrying its request id. Making one serializes the bindings and copies
 * pino's state, on every request, though at the default level a request writes one access line and at `warn` none
 * (with logging off altogether the status route used about 4 µs less of its 65 µs of CPU; an A/B of this change
 * alone stayed within the bench's noise). This stands in for it: the same methods, the same output (each call goes
 * to the real child, made on first use), nothing made for a request that logs nothing.
 */
class LazyRequestLogger {
  readonly #parent: PinoLike;
  readonly #bindings: Bindings;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: PinoLike, bindings: Bindings) {
    this.#parent = parent;
    this.#bindings = bindings;
  }

  #real(): FastifyBaseLogger {
    return (this.#child ??= this.#parent.child(this.#bindings));
  }

  #log(level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace', args: LogArgs): void {
    // Until a child exists its level is the parent's; a call below it is a no-op either way.
    if (!this.#child && !this.#parent.isLevelEnabled(level)) return;
    const real = this.#real();
    real[level](...args);
  }

  get level(): string {
    return (this.#child ?? this.#parent).level;
  }
  set level(level: string) {
    this.#real().level = level;
  }
  isLevelEnabled(level: string): boolean {
    return ((this.#child ?? this.#parent) as PinoLike).isLevelEnabled(level);
  }
  child(bindings: Bindings, options?: Parameters<FastifyBaseLogger['child']>[1]): FastifyBaseLogger {
    return this.#real().child(bindings, options);
  }
  fatal(...args: LogArgs): void {
    this.#log('fatal', args);
  }
  error(...args: LogArgs): void {
    this.#log('error', args);
  }
  warn(...args: LogArgs): void {
    this.#log('warn', args);
  }
  info(...args: LogArgs): void {
    this.#log('info', args);
  }
  debug(...args: LogArgs): void {
    this.#log('debug', args);
  }
  trace(...args: LogArgs): void {
    this.#log('trace', args);
  }
  silent(): void {}
}

/**
 * Fastify's `childLoggerFactory`: a lazy child for the usual request; a real one at once for a route that sets its
 * own log level or serializers (none does today), since those change what the child itself is, and whatever the
 * logger's own `child` gives for a logger that is not pino (Fastify's silent logger when logging is off).
 */
export const lazyChildLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = (
  logger,
  bindings,
  options,
) => {
  if (
    options.level !== undefined ||
    options.serializers !== undefined ||
    typeof (logger as Partial<PinoLike>).isLevelEnabled !== 'function'
  )
    return logger.child(bindings, options);
  return new LazyRequestLogger(logger as PinoLike, bindings);
};

/**
 * One access line per request, when it completes, at `info`: the request id, method, URL (never a secret: tokens
 * travel in headers and bodies, the invite token in the fragment), host, client address, status and time. Fastify's
 * default writes two lines per request, the first on arrival with half of this.
 */
export class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) {
      reply.log.error(
        { req: request, res: reply, err: error, responseTime: reply.elapsedTime },
        'request errored',
      );
    } else {
      reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    }
  }
}
