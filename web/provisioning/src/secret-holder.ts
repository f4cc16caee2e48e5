/**
 * The secret between `addPassword` and the hand-off, in the browser's memory only: never in an event, a log, an
 * error or storage. ("Vault" is the server's encryption; this only holds a value until it is sent.) It also keeps
 * what a run learned that the next run (and the next plan) of the same page must know.
 */
export interface SecretHolder {
  pending: { keyId: string; secretText: string; endDateTime: string } | null;
  /** keyIds our server holds (from the config and from hand-offs of this engine). */
  handedOff: Set<string>;
  /** A certificate added to the app and not handed off yet (public metadata only: the key stays on our server). */
  pendingCertificate?: { keyId: string; endDateTime: string } | null;
  /**
   * The tenant's app management policy as Graph's refusals revealed it (the admin's token cannot read the policy):
   * `certificatesRefused` is Microsoft's message, `certificateMaxDays` the longest lifetime accepted.
   */
  policy?: { certificatesRefused?: string; certificateMaxDays?: number };
}

export function emptySecretHolder(): SecretHolder {
  return { pending: null, handedOff: new Set() };
}
