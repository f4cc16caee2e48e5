import { z } from 'zod';
import type { StepEventInput } from '@kantiv/shared/events';
import { env } from '../../../config/env.ts';
import { apiPaths } from '../../../config/paths.ts';
import { apiRequest } from '../../../lib/api-client.ts';
import { setupTokenHeaders } from './setup-token-header.ts';

/** The server's answer is not needed by the wizard; any 2xx JSON (or empty) body is fine. */
const AcceptedSchema = z.unknown();

/** `POST /api/v1/wizard/events`: progress for Kantiv support. Idempotent by `seq`, so a retry is harmless. */
export async function postStepEvents(events: StepEventInput[]): Promise<void> {
  await apiRequest(env.apiBaseUrl, apiPaths.wizardEvents, AcceptedSchema, {
    method: 'POST',
    headers: setupTokenHeaders(),
    body: { events },
  });
}
