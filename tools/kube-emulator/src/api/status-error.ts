// Errors that the API answers as a `Status` body. Reasons, codes and message wording follow
// k8s.io/apimachinery/pkg/api/errors so that clients (kubectl, client-go, client-node) react
// to them exactly as they do against a real API server.

export interface GroupResource {
  group: string;
  resource: string;
}

export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; uid?: string; causes?: StatusCause[] };
  code: number;
}

export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusBody['details'],
  ) {
    super(message);
  }

  toStatus(): StatusBody {
    const body: StatusBody = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) body.details = this.details;
    return body;
  }

  static notFound(gr: GroupResource, name: string): StatusError {
    return new StatusError(404, 'NotFound', `${qualifiedResource(gr)} "${name}" not found`, detailsOf(gr, name));
  }

  static pathNotFound(): StatusError {
    return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
  }

  static alreadyExists(gr: GroupResource, name: string): StatusError {
    return new StatusError(409, 'AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, detailsOf(gr, name));
  }

  static conflict(gr: GroupResource, name: string, why: string): StatusError {
    return new StatusError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`,
      detailsOf(gr, name),
    );
  }

  static staleUpdate(gr: GroupResource, name: string): StatusError {
    return StatusError.conflict(
      gr,
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  }

  /** `kind` is the object's Kind (with group for non-core kinds), as NewInvalid uses it. */
  static invalid(kind: string, group: string, name: string, errors: FieldError[]): StatusError {
    const rendered = errors.map((e) => e.toString());
    const summary = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
    const qualifiedKind = group ? `${kind}.${group}` : kind;
    return new StatusError(422, 'Invalid', `${qualifiedKind} "${name}" is invalid: ${summary}`, {
      name,
      ...(group ? { group } : {}),
      kind,
      causes: errors.map((e) => e.toCause()),
    });
  }

  static forbidden(gr: GroupResource, name: string, why: string): StatusError {
    const subject = name ? `${qualifiedResource(gr)} "${name}"` : qualifiedResource(gr);
    return new StatusError(403, 'Forbidden', `${subject} is forbidden: ${why}`, detailsOf(gr, name));
  }

  static forbiddenPath(why: string): StatusError {
    return new StatusError(403, 'Forbidden', `forbidden: ${why}`, {});
  }

  static unauthorized(): StatusError {
    return new StatusError(401, 'Unauthorized', 'Unauthorized');
  }

  static badRequest(message: string): StatusError {
    return new StatusError(400, 'BadRequest', message);
  }

  static methodNotAllowed(): StatusError {
    return new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
  }

  static expired(message: string): StatusError {
    return new StatusError(410, 'Expired', message);
  }

  static gone(message: string): StatusError {
    return new StatusError(410, 'Gone', message);
  }

  static notAcceptable(message: string): StatusError {
    return new StatusError(406, 'NotAcceptable', message);
  }

  static unsupportedMediaType(contentType: string): StatusError {
    return new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`, {
      kind: contentType,
    });
  }

  static requestEntityTooLarge(): StatusError {
    return new StatusError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
  }

  static internal(message: string): StatusError {
    return new StatusError(500, 'InternalError', `Internal error occurred: ${message}`);
  }
}

function detailsOf(gr: GroupResource, name: string): StatusBody['details'] {
  return { ...(name ? { name } : {}), ...(gr.group ? { group: gr.group } : {}), kind: gr.resource };
}

/** One field problem, rendered like k8s.io/apimachinery/pkg/util/validation/field.Error. */
export class FieldError {
  private constructor(
    readonly reason: string,
    readonly field: string,
    private readonly label: string,
    private readonly value: unknown,
    private readonly detail: string,
    private readonly showValue: boolean,
  ) {}

  static required(field: string, detail = ''): FieldError {
    return new FieldError('FieldValueRequired', field, 'Required value', undefined, detail, false);
  }

  static invalid(field: string, value: unknown, detail: string): FieldError {
    return new FieldError('FieldValueInvalid', field, 'Invalid value', value, detail, true);
  }

  static duplicate(field: string, value: unknown): FieldError {
    return new FieldError('FieldValueDuplicate', field, 'Duplicate value', value, '', true);
  }

  static forbidden(field: string, detail: string): FieldError {
    return new FieldError('FieldValueForbidden', field, 'Forbidden', undefined, detail, false);
  }

  static notSupported(field: string, value: unknown, supported: string[]): FieldError {
    const detail = `supported values: ${supported.map((s) => `"${s}"`).join(', ')}`;
    return new FieldError('FieldValueNotSupported', field, 'Unsupported value', value, detail, true);
  }

  private body(): string {
    let text = this.label;
    if (this.showValue) text += `: ${typeof this.value === 'string' ? JSON.stringify(this.value) : String(this.value)}`;
    if (this.detail) text += `: ${this.detail}`;
    return text;
  }

  toString(): string {
    return `${this.field}: ${this.body()}`;
  }

  toCause(): StatusCause {
    return { reason: this.reason, message: this.body(), field: this.field };
  }
}
