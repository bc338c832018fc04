/**
 * The subset of POSIX shell syntax the emulator's `sh -c` understands: words with quotes,
 * escapes and `$NAME`/`${NAME}`/`$?`/`$1` expansion, `;` and newlines, `&&`, `||`, `( … )`
 * subshells, `#` comments and the redirections tests write (`>&2`, `2>&1`, `>/dev/null`, `<`).
 * Pipelines, background jobs and command substitution are refused with a clear message instead
 * of being half-emulated.
 */

export type WordPart =
  | { kind: 'text'; value: string; quoted: boolean }
  | { kind: 'variable'; name: string; quoted: boolean };

export type Word = WordPart[];

export interface Redirect {
  fd: number;
  operator: '>' | '>>' | '<' | '>&' | '<&';
  target: Word;
}

export type Command =
  | { kind: 'simple'; words: Word[]; redirects: Redirect[] }
  | { kind: 'subshell'; body: CommandList; redirects: Redirect[] };

export interface AndOrList {
  first: Command;
  rest: Array<{ operator: '&&' | '||'; command: Command }>;
}

export type CommandList = AndOrList[];

export class ShellSyntaxError extends Error {}

type Token =
  | { kind: 'word'; word: Word }
  | { kind: 'operator'; value: ';' | '&&' | '||' | '|' | '&' | '(' | ')' }
  | { kind: 'redirect'; fd: number | null; operator: Redirect['operator'] };

export function parseShell(source: string): CommandList {
  return new ShellParser(tokenize(source)).parseProgram();
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let word: Word | null = null;
  // Digits written right before `>`/`<` name a file descriptor, e.g. `2>&1`.
  let wordIsBareDigits = false;

  const appendText = (value: string, quoted: boolean): void => {
    word ??= [];
    wordIsBareDigits = !quoted && /^\d+$/.test(value) && (word.length === 0 || wordIsBareDigits);
    const last = word[word.length - 1];
    if (last?.kind === 'text' && last.quoted === quoted) last.value += value;
    else word.push({ kind: 'text', value, quoted });
  };
  const appendVariable = (name: string, quoted: boolean): void => {
    word ??= [];
    wordIsBareDigits = false;
    word.push({ kind: 'variable', name, quoted });
  };
  const endWord = (): void => {
    if (word) tokens.push({ kind: 'word', word });
    word = null;
    wordIsBareDigits = false;
  };

  // Reads `$…` at source[i]; returns the index after it.
  const readDollar = (i: number, quoted: boolean): number => {
    const next = source[i + 1] ?? '';
    if (next === '(') throw new ShellSyntaxError('command substitution is not supported by the emulator shell');
    if (next === '{') {
      const close = source.indexOf('}', i + 2);
      const name = close < 0 ? '' : source.slice(i + 2, close);
      if (!/^([A-Za-z_][A-Za-z0-9_]*|[0-9?$#])$/.test(name)) throw new ShellSyntaxError(`\${${name}}: bad substitution`);
      appendVariable(name, quoted);
      return close + 1;
    }
    if (/[0-9?$#]/.test(next)) {
      appendVariable(next, quoted);
      return i + 2;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i + 1))?.[0];
    if (!name) {
      appendText('$', quoted);
      return i + 1;
    }
    appendVariable(name, quoted);
    return i + 1 + name.length;
  };

  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === ' ' || c === '\t') {
      endWord();
      i++;
    } else if (c === '\n' || c === ';') {
      endWord();
      tokens.push({ kind: 'operator', value: ';' });
      i++;
    } else if (c === '#' && word === null) {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '&' || c === '|') {
      endWord();
      const doubled = source[i + 1] === c;
      tokens.push({ kind: 'operator', value: doubled ? (c === '&' ? '&&' : '||') : c });
      i += doubled ? 2 : 1;
    } else if (c === '(' || c === ')') {
      endWord();
      tokens.push({ kind: 'operator', value: c });
      i++;
    } else if (c === '>' || c === '<') {
      const fd = word !== null && wordIsBareDigits ? Number((word as Word).map((p) => (p.kind === 'text' ? p.value : '')).join('')) : null;
      if (fd !== null) word = null;
      endWord();
      const next = source[i + 1];
      if (c === '>' && next === '>') {
        tokens.push({ kind: 'redirect', fd, operator: '>>' });
        i += 2;
      } else if (next === '&') {
        tokens.push({ kind: 'redirect', fd, operator: c === '>' ? '>&' : '<&' });
        i += 2;
      } else {
        tokens.push({ kind: 'redirect', fd, operator: c });
        i++;
      }
    } else if (c === '\\') {
      if (source[i + 1] === '\n') i += 2;
      else {
        appendText(source[i + 1] ?? '', true);
        i += 2;
      }
    } else if (c === "'") {
      const close = source.indexOf("'", i + 1);
      if (close < 0) throw new ShellSyntaxError('unterminated quoted string');
      appendText(source.slice(i + 1, close), true);
      i = close + 1;
    } else if (c === '"') {
      word ??= [];
      appendText('', true);
      i++;
      for (;;) {
        if (i >= source.length) throw new ShellSyntaxError('unterminated quoted string');
        const d = source[i];
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && '$`"\\\n'.includes(source[i + 1] ?? '')) {
          if (source[i + 1] !== '\n') appendText(source[i + 1], true);
          i += 2;
        } else if (d === '$') {
          i = readDollar(i, true);
        } else if (d === '`') {
          throw new ShellSyntaxError('command substitution is not supported by the emulator shell');
        } else {
          appendText(d, true);
          i++;
        }
      }
    } else if (c === '$') {
      i = readDollar(i, false);
    } else if (c === '`') {
      throw new ShellSyntaxError('command substitution is not supported by the emulator shell');
    } else {
      appendText(c, false);
      i++;
    }
  }
  endWord();
  return tokens;
}

class ShellParser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  parseProgram(): CommandList {
    const list = this.parseList();
    const extra = this.peek();
    if (extra) throw unexpected(extra);
    return list;
  }

  private parseList(): CommandList {
    const list: CommandList = [];
    for (;;) {
      while (this.isOperator(';')) this.position++;
      const next = this.peek();
      if (!next || (next.kind === 'operator' && next.value === ')')) return list;
      list.push(this.parseAndOr());
      const after = this.peek();
      if (after && !(after.kind === 'operator' && (after.value === ';' || after.value === ')'))) throw unexpected(after);
    }
  }

  private parseAndOr(): AndOrList {
    const first = this.parseCommand();
    const rest: AndOrList['rest'] = [];
    for (;;) {
      const next = this.peek();
      if (next?.kind !== 'operator' || (next.value !== '&&' && next.value !== '||')) return { first, rest };
      this.position++;
      rest.push({ operator: next.value, command: this.parseCommand() });
    }
  }

  private parseCommand(): Command {
    const next = this.peek();
    if (!next) throw new ShellSyntaxError('syntax error: unexpected end of file');
    if (next.kind === 'operator' && next.value === '(') {
      this.position++;
      const body = this.parseList();
      if (!this.isOperator(')')) throw new ShellSyntaxError('syntax error: unexpected end of file (expecting ")")');
      this.position++;
      if (body.length === 0) throw new ShellSyntaxError('syntax error: unexpected ")"');
      return { kind: 'subshell', body, redirects: this.parseRedirects() };
    }
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    for (;;) {
      const token = this.peek();
      if (token?.kind === 'word') {
        words.push(token.word);
        this.position++;
      } else if (token?.kind === 'redirect') {
        redirects.push(this.parseRedirect());
      } else {
        break;
      }
    }
    const stop = this.peek();
    if (stop?.kind === 'operator' && (stop.value === '|' || stop.value === '&')) {
      const feature = stop.value === '|' ? 'pipelines' : 'background jobs';
      throw new ShellSyntaxError(`${feature} ("${stop.value}") are not supported by the emulator shell`);
    }
    if (words.length === 0 && redirects.length === 0) throw stop ? unexpected(stop) : new ShellSyntaxError('syntax error: unexpected end of file');
    return { kind: 'simple', words, redirects };
  }

  private parseRedirects(): Redirect[] {
    const redirects: Redirect[] = [];
    while (this.peek()?.kind === 'redirect') redirects.push(this.parseRedirect());
    return redirects;
  }

  private parseRedirect(): Redirect {
    const token = this.tokens[this.position++] as Extract<Token, { kind: 'redirect' }>;
    const target = this.peek();
    if (target?.kind !== 'word') throw target ? unexpected(target) : new ShellSyntaxError('syntax error: unexpected newline');
    this.position++;
    const fd = token.fd ?? (token.operator.startsWith('<') ? 0 : 1);
    return { fd, operator: token.operator, target: target.word };
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private isOperator(value: string): boolean {
    const token = this.peek();
    return token?.kind === 'operator' && token.value === value;
  }
}

function unexpected(token: Token): ShellSyntaxError {
  const text = token.kind === 'operator' ? token.value : token.kind === 'redirect' ? token.operator : 'word';
  return new ShellSyntaxError(`syntax error: unexpected "${text}"`);
}
