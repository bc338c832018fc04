// Imported first by main.ts: instrumentation must patch http before Nest loads it.
import { readTelemetrySettings } from '@portcullis/platform/config';
import { startTelemetry } from '@portcullis/platform/telemetry';

startTelemetry(readTelemetrySettings('cluster-agent'));
