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
import { ActionButton, ReadOnlyNotice } from './action-button.tsx';
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

/** Machine API keys: created with scopes (the key shown once), listed by prefix, revoked. */
export function ApiKeysPage({ keys }: { keys: Loaded<ApiKey[]> }) {
  usePageTitle('API keys');
  const { auth } = useConsole();
  const revalidator = useRevalidator();
  const reload = () => void revalidator.revalidate();
  const [newKey, setNewKey] = useState<{ name: string; key: string } | null>(null);
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
    try {
      await revokeApiKey(auth, id);
      reload();
    } catch (err) {
      form.setError(errorMessage(err));
    }
  }

  return (
    <>
      <h1>API keys</h1>
      <ReadOnlyNotice />
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
      <ResourceSection id="keys-heading" title="Keys" resource={keys} empty="No API key yet.">
        {(items) => (
          <DataTable
            caption="API keys"
            columns={['Name', 'Starts with', 'Scopes', 'Created', 'Last used', 'Status']}
          >
            {items.map((k) => (
              <tr key={k.id} data-testid="api-key-row">
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{k.scopes.join(', ')}</td>
                <td>{formatDateTime(k.createdAt)}</td>
                <td>{formatDateTime(k.lastUsedAt)}</td>
                <td>
                  {k.revokedAt ? (
                    `Revoked ${formatDateTime(k.revokedAt)}`
                  ) : (
                    <ActionButton danger onClick={() => void revoke(k.id)}>
                      Revoke <span className="visually-hidden">{k.name}</span>
                    </ActionButton>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </ResourceSection>
    </>
  );
}
