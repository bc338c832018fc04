import { DataSource } from 'typeorm';

/** Quoted names of the trail's tables in this DataSource's schema (validated by config: no quoting issues). */
export class TrailTables {
  readonly schema: string;
  readonly events: string;
  readonly heads: string;

  constructor(dataSource: DataSource) {
    const schema = (dataSource.options as { schema?: string }).schema;
    if (!schema) throw new Error('the DataSource has no schema: every service owns one schema');
    this.schema = schema;
    this.events = `"${schema}"."audit_events"`;
    this.heads = `"${schema}"."audit_chain_heads"`;
  }

  /** A day's partition, e.g. audit_events_20260131. */
  static partitionName(day: string): string {
    return `audit_events_${day.replace(/-/g, '')}`;
  }

  /** The day of a partition name, or null for anything else. */
  static dayOfPartition(name: string): string | null {
    const match = /^audit_events_(\d{4})(\d{2})(\d{2})$/.exec(name);
    return match ? `${match[1]}-${match[2]}-${match[3]}` : null;
  }

  partition(day: string): string {
    return `"${this.schema}"."${TrailTables.partitionName(day)}"`;
  }
}

/** Midnight UTC starting `day`, as an ISO timestamp. */
export function startOfDay(day: string): string {
  return `${day}T00:00:00.000Z`;
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(startOfDay(day)) + days * 86_400_000).toISOString().slice(0, 10);
}

export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}
