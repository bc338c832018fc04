import { StatusError } from '../api/status-error';

// Label selectors in the string form of k8s.io/apimachinery/pkg/labels: `a=b`, `a==b`, `a!=b`,
// `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`, `a<1`, comma-separated (all must hold).

type Operator = 'exists' | 'notexists' | 'equals' | 'notequals' | 'in' | 'notin' | 'gt' | 'lt';

interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

const KEY = String.raw`[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?`;
const VALUE = String.raw`(?:[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;
const EXISTS = new RegExp(`^(${KEY})$`);
const NOT_EXISTS = new RegExp(`^!\\s*(${KEY})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\((.*)\\)$`);
const COMPARE = new RegExp(`^(${KEY})\\s*(==|=|!=|>|<)\\s*(${VALUE})$`);
const VALUE_ONLY = new RegExp(`^${VALUE}$`);

export class LabelSelector {
  private constructor(private readonly requirements: Requirement[]) {}

  static parse(selector: string | null | undefined): LabelSelector {
    const text = (selector ?? '').trim();
    if (!text) return new LabelSelector([]);
    return new LabelSelector(splitTopLevel(text).map(parseRequirement));
  }

  /** From a metav1.LabelSelector object (matchLabels / matchExpressions), as aggregation rules carry. */
  static fromObject(selector: {
    matchLabels?: Record<string, string>;
    matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
  }): LabelSelector {
    const requirements: Requirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({
      key,
      operator: 'equals',
      values: [value],
    }));
    for (const e of selector.matchExpressions ?? []) {
      const operators = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: 'notexists' } as const;
      const operator = operators[e.operator as keyof typeof operators];
      if (!operator) throw StatusError.badRequest(`"${e.operator}" is not a valid label selector operator`);
      requirements.push({ key: e.key, operator, values: e.values ?? [] });
    }
    return new LabelSelector(requirements);
  }

  get isEmpty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Record<string, string> | undefined): boolean {
    const l = labels ?? {};
    return this.requirements.every((r) => requirementMatches(r, l));
  }
}

function requirementMatches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case 'exists':
      return has;
    case 'notexists':
      return !has;
    case 'equals':
    case 'in':
      return has && r.values.includes(value);
    case 'notequals':
    case 'notin':
      return !has || !r.values.includes(value);
    case 'gt':
    case 'lt': {
      if (!has || !/^-?\d+$/.test(value)) return false;
      const n = Number(value);
      return r.operator === 'gt' ? n > Number(r.values[0]) : n < Number(r.values[0]);
    }
  }
}

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  out.push(current.trim());
  return out;
}

function parseRequirement(term: string): Requirement {
  let m = NOT_EXISTS.exec(term);
  if (m) return { key: m[1], operator: 'notexists', values: [] };
  m = SET.exec(term);
  if (m) {
    const values = m[4].split(',').map((v) => v.trim());
    const bad = values.find((v) => !VALUE_ONLY.test(v));
    if (bad !== undefined) throw invalidSelector(`invalid label value: "${bad}"`);
    return { key: m[1], operator: m[3] as 'in' | 'notin', values };
  }
  m = COMPARE.exec(term);
  if (m) {
    const operators = { '=': 'equals', '==': 'equals', '!=': 'notequals', '>': 'gt', '<': 'lt' } as const;
    const op = operators[m[3] as keyof typeof operators];
    if ((op === 'gt' || op === 'lt') && !/^-?\d+$/.test(m[4])) {
      throw invalidSelector(`for 'Gt', 'Lt' operators, the value must be an integer`);
    }
    return { key: m[1], operator: op, values: [m[4]] };
  }
  m = EXISTS.exec(term);
  if (m) return { key: m[1], operator: 'exists', values: [] };
  throw invalidSelector(`found '${term}', expected: identifier`);
}

function invalidSelector(detail: string): StatusError {
  return StatusError.badRequest(`unable to parse requirement: ${detail}`);
}
