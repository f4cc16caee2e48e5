/**
 * The secret between `addPassword` and the hand-off, in the browser's memory only: never in an event, a log, an
 * error or storage. ("Vault" is the server's encryption; this only holds a value until it is sent.)
 */
export interface SecretHolder {
  pending: { keyId: string; secretText: string; endDateTime: string } | null;
  /** keyIds our server holds (from the config and from hand-offs of this engine). */
  handedOff: Set<string>;
}

export function emptySecretHolder(): SecretHolder {
  return { pending: null, handedOff: new Set() };
}
