import type { RoleChoice } from '@kantiv/provisioning';
import type { WizardStep } from '../../../config/paths.ts';

/**
 * Non-secret choices the admin made in this tab (environment, role, lifetime), so a reload lands on the right step.
 * Everything else is owned by the server (setup state, step history) or rediscovered from Microsoft by the engine.
 */
export type WizardChoices = {
  welcomed?: boolean;
  environmentUrl?: string;
  environmentName?: string;
  environmentId?: string;
  role?: RoleChoice;
  secretLifetimeMonths?: number;
  /** Certificate (the default, recommended) or a client secret the admin chose instead. */
  credentialKind?: 'certificate' | 'client_secret';
  /** The admin clicked Connect at least once: the run page is where a reload returns. */
  runStarted?: boolean;
  /** After a failed verification the admin chose "Run it again": the wizard reopens instead of the final page. */
  rerun?: boolean;
  /** The follow-up link (its end, as its id) these choices belong to: a new link starts with fresh choices. */
  link?: string;
};

const key = (setupId: string) => `kantiv-connect.choices.${setupId}`;

export function readChoices(setupId: string): WizardChoices {
  try {
    const raw = sessionStorage.getItem(key(setupId));
    return raw ? (JSON.parse(raw) as WizardChoices) : {};
  } catch {
    return {};
  }
}

export function saveChoices(setupId: string, patch: WizardChoices): WizardChoices {
  const next = { ...readChoices(setupId), ...patch };
  sessionStorage.setItem(key(setupId), JSON.stringify(next));
  return next;
}

/**
 * A renewal or repair link's first load in this tab: the first run's choices do not carry over, and the environment
 * is the connection's own (a follow-up link never moves the connection elsewhere).
 */
export function startFollowUp(
  setupId: string,
  link: string,
  environmentUrl: string | undefined,
): WizardChoices {
  const fresh: WizardChoices = { link, ...(environmentUrl ? { environmentUrl } : {}) };
  sessionStorage.setItem(key(setupId), JSON.stringify(fresh));
  return fresh;
}

export function forgetChoices(setupId: string, ...fields: (keyof WizardChoices)[]): void {
  const next = readChoices(setupId);
  for (const f of fields) delete next[f];
  sessionStorage.setItem(key(setupId), JSON.stringify(next));
}

export type { WizardStep };
