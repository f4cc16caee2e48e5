import { open, reseal, seal } from '../../vault/vault.ts';
import { traceSync } from './tracing.ts';

/**
 * The vault's seal, open and reseal, each a span when tracing is on (`vault seal` …, naming what is sealed; never
 * the plaintext, the AAD or the ciphertext); the plain functions when it is off.
 */
export function tracedVault(subject: 'credential' | 'webhook_secret') {
  const attributes = (operation: string) => ({
    'kantiv.vault.operation': operation,
    'kantiv.vault.subject': subject,
  });
  return {
    seal: (...args: Parameters<typeof seal>) =>
      traceSync('vault seal', attributes('seal'), () => seal(...args)),
    open: (...args: Parameters<typeof open>) =>
      traceSync('vault open', attributes('open'), () => open(...args)),
    reseal: (...args: Parameters<typeof reseal>) =>
      traceSync('vault reseal', attributes('reseal'), () => reseal(...args)),
  };
}
