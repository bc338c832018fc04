import { z } from 'zod';
import { defineEvent, EventOf } from '../lib/contract';
import { Subjects } from '../lib/names';

export const SettingsChangedV1 = defineEvent({
  subject: Subjects.policySettingsChanged,
  schemaName: 'policy.settings.changed.v1',
  shape: {
    changedBy: z.string().min(1),
    kubeconfigValiditySeconds: z.number().int().positive(),
  },
});
export type SettingsChangedV1 = EventOf<typeof SettingsChangedV1>;
