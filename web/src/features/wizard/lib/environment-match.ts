import type { EnvironmentChoice } from '@kantiv/provisioning';

/** Global Discovery's `IsUserSysAdmin: false` means the run would stop at the application user: not a real choice. */
export function isUsable(env: EnvironmentChoice): boolean {
  return env.isUserSysAdmin !== false;
}

/**
 * Support types the hint as they know the environment: its name ("Contoso Production") or (part of) its address
 * ("contoso.crm4"), in any case.
 */
export function matchesHint(env: EnvironmentChoice, hint: string | undefined): boolean {
  const wanted = hint?.trim().toLowerCase();
  if (!wanted) return false;
  return env.name.trim().toLowerCase() === wanted || env.url.toLowerCase().includes(wanted);
}

/** `https://<org>.crm<N>.dynamics.com` and friends; the engine re-checks the host against Global Discovery. */
export function normaliseEnvironmentUrl(input: string): string | undefined {
  const trimmed = input.trim();
  if (!trimmed) return undefined;
  try {
    const url = new URL(/^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
    if (url.protocol !== 'https:' || !url.hostname.includes('.')) return undefined;
    return `https://${url.host}`;
  } catch {
    return undefined;
  }
}

/**
 * The environment the page puts first and focuses: the one chosen before in this tab, else the one Kantiv expects,
 * else the only usable one.
 */
export function suggestedEnvironment(
  environments: EnvironmentChoice[],
  earlierUrl: string | undefined,
  hint: string | undefined,
): { env: EnvironmentChoice; why: 'earlier' | 'expected' | 'only' } | undefined {
  const usable = environments.filter(isUsable);
  const earlier = usable.find((e) => e.url === earlierUrl);
  if (earlier) return { env: earlier, why: 'earlier' };
  const expected = usable.find((e) => matchesHint(e, hint));
  if (expected) return { env: expected, why: 'expected' };
  const [only, ...more] = usable;
  return only && more.length === 0 ? { env: only, why: 'only' } : undefined;
}
