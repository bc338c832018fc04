import { z } from 'zod';

/** Fields every event carries: the id doubles as the JetStream de-duplication key. */
export const eventBase = z.object({
  id: z.uuid(),
  occurredAt: z.iso.datetime({ offset: true }),
});

export interface EventContract<S extends string = string, T extends z.ZodType = z.ZodType> {
  readonly kind: 'event';
  readonly subject: S;
  /** `<name>.v<version>`, sent in a header so consumers can tell versions apart before parsing. */
  readonly schemaName: string;
  readonly schema: T;
}

export interface RequestContract<
  S extends string = string,
  Req extends z.ZodType = z.ZodType,
  Res extends z.ZodType = z.ZodType,
> {
  readonly kind: 'request';
  readonly subject: S;
  readonly request: Req;
  readonly response: Res;
}

export type EventOf<C> = C extends EventContract<string, infer T> ? z.infer<T> : never;
export type RequestOf<C> = C extends RequestContract<string, infer Req, z.ZodType> ? z.infer<Req> : never;
export type ResponseOf<C> = C extends RequestContract<string, z.ZodType, infer Res> ? z.infer<Res> : never;

export function defineEvent<const S extends string, const Shape extends z.ZodRawShape>(definition: {
  subject: S;
  schemaName: string;
  shape: Shape;
}): EventContract<S, ReturnType<typeof eventBase.extend<Shape>>> {
  return {
    kind: 'event',
    subject: definition.subject,
    schemaName: definition.schemaName,
    schema: eventBase.extend(definition.shape).strict(),
  } as EventContract<S, ReturnType<typeof eventBase.extend<Shape>>>;
}

export function defineRequest<const S extends string, Req extends z.ZodType, Res extends z.ZodType>(definition: {
  subject: S;
  request: Req;
  response: Res;
}): RequestContract<S, Req, Res> {
  return { kind: 'request', ...definition };
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** One readable line per problem, so a dead-lettered message says why. */
export function validate<T extends z.ZodType>(schema: T, input: unknown): ValidationResult<z.infer<T>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const reason = result.error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, reason };
}
