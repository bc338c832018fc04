import { ConsumerDefinition, StreamDefinition } from '@portcullis/contracts';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  JetStreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';

function isNotFound(error: unknown): boolean {
  return error instanceof JetStreamApiError && error.status === 404;
}

/**
 * Creates or updates streams so that every replica can run this at start: the last writer
 * wins with the same definition, and an existing stream keeps its messages. `replicas` copies
 * on a NATS cluster; changing it later rescales the existing streams in place.
 */
export async function ensureStreams(manager: JetStreamManager, definitions: readonly StreamDefinition[], replicas = 1): Promise<void> {
  for (const definition of definitions) {
    const config = {
      name: definition.name,
      subjects: definition.subjects,
      storage: StorageType.File,
      num_replicas: replicas,
      retention: RetentionPolicy.Limits,
      max_age: nanos(definition.maxAgeSeconds * 1000),
      duplicate_window: nanos(definition.duplicateWindowSeconds * 1000),
    };
    try {
      await manager.streams.info(definition.name);
      await manager.streams.update(definition.name, config);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await manager.streams.add(config);
    }
  }
}

export async function ensureConsumer(manager: JetStreamManager, definition: ConsumerDefinition): Promise<void> {
  const config = {
    durable_name: definition.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    // nats-server 2.9 (Debian's) knows only the single filter; 2.10 added filter_subjects.
    ...(definition.filterSubjects.length === 1
      ? { filter_subject: definition.filterSubjects[0] }
      : { filter_subjects: definition.filterSubjects }),
    max_deliver: definition.maxDeliver,
    ack_wait: nanos(definition.ackWaitSeconds * 1000),
    // Enough in flight to batch inserts, few enough that a crash redelivers little.
    max_ack_pending: 1_000,
  };
  try {
    await manager.consumers.info(definition.stream, definition.durable);
    const { durable_name: _durable, deliver_policy: _deliver, ...updatable } = config;
    await manager.consumers.update(definition.stream, definition.durable, updatable);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await manager.consumers.add(definition.stream, config);
  }
}
