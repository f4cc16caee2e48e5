import type { ClientConfig } from '@kantiv/shared/client-config';
import type { WizardSetup } from '@kantiv/shared/setup';
import type { WizardEngine } from '@kantiv/provisioning';
import { EventForwarder } from './event-forwarder.ts';

/**
 * One engine and one event forwarder per setup for the life of the page. The engine module (Graph, Discovery and
 * Dataverse clients) is loaded on demand, so the invite and welcome pages stay small.
 */
const engines = new Map<string, Promise<WizardEngine>>();
const forwarders = new Map<string, EventForwarder>();

export function getEngine(config: ClientConfig, setup: WizardSetup): Promise<WizardEngine> {
  let engine = engines.get(setup.id);
  if (!engine) {
    engine = import('./engine-adapter.ts').then((m) => m.createWizardEngine(config, setup));
    engine.catch(() => engines.delete(setup.id));
    engines.set(setup.id, engine);
  }
  return engine;
}

/** A fresh engine reads everything again (after "Check again": a role granted since, in a fresh token). */
export function forgetEngine(setupId: string): void {
  engines.delete(setupId);
}

export function getForwarder(setupId: string): EventForwarder {
  let forwarder = forwarders.get(setupId);
  if (!forwarder) {
    forwarder = new EventForwarder(setupId);
    forwarders.set(setupId, forwarder);
  }
  return forwarder;
}
