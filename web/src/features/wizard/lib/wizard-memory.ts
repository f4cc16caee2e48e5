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

export function forgetChoices(setupId: string, ...fields: (keyof WizardChoices)[]): void {
  const next = readChoices(setupId);
  for (const f of fields) delete next[f];
  sessionStorage.setItem(key(setupId), JSON.stringify(next));
}

export type { WizardStep };
