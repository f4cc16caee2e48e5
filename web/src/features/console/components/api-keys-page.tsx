import { useState } from 'react';
import { useRevalidator } from 'react-router';
import {
  ApiKeyScopeSchema,
  CreateApiKeyRequestSchema,
  type ApiKey,
  type ApiKeyScope,
} from '@kantiv/shared/auth';
import { createApiKey } from '../api/create-api-key.ts';
import { revokeApiKey } from '../api/revoke-api-key.ts';
import { useConsole } from '../hooks/use-console.ts';
import { formatDateTime } from '../lib/format.ts';
import { useCreateForm } from '../hooks/use-create-form.ts';
import { errorMessage, type Loaded } from '../lib/loaded.ts';
import { ApiKeyRevoke } from './api-key-revoke.tsx';
import { DataTable } from './data-table.tsx';
import { CreateFormPanel } from './create-form-panel.tsx';
import { ErrorMessage } from './error-message.tsx';
import { OneTimeValuePanel } from './one-time-value.tsx';
import { ResourceSection } from './resource-section.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';

const SCOPE_LABELS: Record<ApiKeyScope, string> = {
  'setups:read': 'Read setups and their status',
  'setups:write': 'Create and change setups',
  'connections:token': 'Obtain Dataverse access tokens for verified connections',
  'webhooks:manage': 'Manage webhook subscriptions',
};

/** Machine API keys: created with scopes (the key shown once), listed by prefix, revoked after a confirmation. */
export function ApiKeysPage({ keys }: { keys: Loaded<ApiKey[]> }) {
  usePageTitle('API keys');
  const { auth } = useConsole();
  const revalidator = useRevalidator();
  const reload = () => void revalidator.revalidate();
  const [newKey, setNewKey] = useState<{ name: string; key: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useCreateForm({
    parse: (data) =>
      CreateApiKeyRequestSchema.safeParse({ name: data.get('name'), scopes: data.getAll('scopes') }),
    invalid: 'Give the key a name and at least one scope.',
    create: (request) => createApiKey(auth, request),
    onCreated: (created) => {
      setNewKey({ name: created.apiKey.name, key: created.key });
      reload();
    },
  });

  async function revoke(id: string) {
    form.setError(null);
    setBusy(true);
    try {
      await revokeApiKey(auth, id);
      reload();
    } catch (err) {
      form.setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>API keys</h1>
      <CreateFormPanel
        id="new-key-heading"
        title="Create an API key"
        submitLabel="Create key"
        form={form}
        created={
          newKey && (
            <OneTimeValuePanel
              label="API key"
              copyLabel="API key"
              value={newKey.key}
              testId="new-api-key"
              onDone={() => setNewKey(null)}
            >
              The key <strong>{newKey.name}</strong> is shown <strong>only once</strong>. Copy it now into the
              calling service&apos;s secret store.
            </OneTimeValuePanel>
          )
        }
      >
        <div className="c-field">
          <label htmlFor="key-name">Name</label>
          <input id="key-name" name="name" required maxLength={100} />
        </div>
        <fieldset>
          <legend>Scopes</legend>
          {ApiKeyScopeSchema.options.map((scope) => (
            <label key={scope} className="c-inline">
              <input type="checkbox" name="scopes" value={scope} /> <code>{scope}</code> —{' '}
              {SCOPE_LABELS[scope]}
            </label>
          ))}
        </fieldset>
      </CreateFormPanel>
      {form.error && <ErrorMessage message={form.error} />}
      <ResourceSection id="keys-heading" title="Active keys" resource={keys} empty="No API key yet.">
        {(items) => {
          const active = items.filter((k) => !k.revokedAt);
          const revoked = items.filter((k) => k.revokedAt);
          return (
            <>
              {active.length === 0 ? (
                <p>No active key.</p>
              ) : (
                <DataTable
                  caption="Active API keys"
                  columns={['Name', 'Starts with', 'Scopes', 'Created', 'Last used', 'Revoke']}
                >
                  {active.map((k) => (
                    <tr key={k.id} data-testid="api-key-row" data-revoked="false">
                      <KeyCells apiKey={k} />
                      <td>{formatDateTime(k.lastUsedAt)}</td>
                      <td>
                        <ApiKeyRevoke apiKey={k} busy={busy} onConfirm={() => void revoke(k.id)} />
                      </td>
                    </tr>
                  ))}
                </DataTable>
              )}
              {revoked.length > 0 && (
                <div className="c-revoked-keys">
                  <h3 id="revoked-keys-heading">Revoked keys</h3>
                  <DataTable
                    labelledBy="revoked-keys-heading"
                    columns={['Name', 'Starts with', 'Scopes', 'Created', 'Revoked']}
                  >
                    {revoked.map((k) => (
                      <tr key={k.id} data-testid="api-key-row" data-revoked="true">
                        <KeyCells apiKey={k} />
                        <td>Revoked {formatDateTime(k.revokedAt)}</td>
                      </tr>
                    ))}
                  </DataTable>
                </div>
              )}
            </>
          );
        }}
      </ResourceSection>
    </>
  );
}

function KeyCells({ apiKey }: { apiKey: ApiKey }) {
  return (
    <>
      <td>{apiKey.name}</td>
      <td>
        <code>{apiKey.prefix}…</code>
      </td>
      <td>{apiKey.scopes.join(', ')}</td>
      <td>{formatDateTime(apiKey.createdAt)}</td>
    </>
  );
}
