import { z } from 'zod';
import type { StepEventInput } from '@kantiv/shared/events';
import { env } from '../../../config/env.ts';
import { apiPaths } from '../../../config/paths.ts';
import { apiRequest } from '../../../lib/api-client.ts';
import { setupTokenHeaders } from './setup-token-header.ts';

/** What the server says it kept; `lastSeq` lets a new tab continue numbering after an earlier one. */
const PostStepEventsResultSchema = z.object({
  accepted: z.number(),
  duplicates: z.number(),
  lastSeq: z.number(),
});
export type PostStepEventsResult = z.infer<typeof PostStepEventsResultSchema>;

/** `POST /api/v1/wizard/events`: progress for Kantiv support. Idempotent by `seq`, so a retry is harmless. */
export function postStepEvents(events: StepEventInput[]): Promise<PostStepEventsResult> {
  return apiRequest(env.apiBaseUrl, apiPaths.wizardEvents, PostStepEventsResultSchema, {
    method: 'POST',
    headers: setupTokenHeaders(),
    body: { events },
  });
}
