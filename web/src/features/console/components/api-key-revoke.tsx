import { useState } from 'react';
import { ApiKeyScopeSchema, type ApiKey } from '@kantiv/shared/auth';
import { ActionButton } from './action-button.tsx';
import { ConfirmGroup } from './confirm-group.tsx';

/** A key with every scope: revoking it stops everything its services do through Kantiv Connect. */
export const hasEveryScope = (key: Pick<ApiKey, 'scopes'>): boolean =>
  ApiKeyScopeSchema.options.every((scope) => key.scopes.includes(scope));

/** Revoke, asked first: what stops at once, more bluntly for a key that holds every scope; cannot be undone. */
export function ApiKeyRevoke({
  apiKey,
  busy,
  onConfirm,
}: {
  apiKey: ApiKey;
  busy: boolean;
  onConfirm: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  if (!confirming)
    return (
      <ActionButton danger busy={busy} onClick={() => setConfirming(true)}>
        Revoke <span className="visually-hidden">{apiKey.name}</span>
      </ActionButton>
    );
  const everything = hasEveryScope(apiKey);
  return (
    <ConfirmGroup
      label={`Confirm revoking ${apiKey.name}`}
      confirm={`Yes, revoke ${apiKey.name}`}
      danger
      busy={busy}
      onCancel={() => setConfirming(false)}
      onConfirm={() => {
        setConfirming(false);
        onConfirm();
      }}
    >
      {everything ? (
        <>
          <strong>This key has every scope.</strong> Revoking it stops at once everything the services using
          it do through Kantiv Connect: reading and creating setups, Dataverse tokens for verified connections
          and managing webhooks. Their next call is refused. This cannot be undone: they need a new key.
        </>
      ) : (
        <>
          Revoke {apiKey.name}? Services using it are refused from their next call ({apiKey.scopes.join(', ')}
          ). This cannot be undone: they need a new key.
        </>
      )}
    </ConfirmGroup>
  );
}
