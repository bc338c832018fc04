import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

// What the committed files say until someone replaces them: `REPLACE ME: …` or a URL with `REPLACE-ME` as its password.
const PLACEHOLDER = /REPLACE[ -]ME/;

/** One key of one Secret: the file `<secrets>/<secret>/<key>`, what it holds now and what it is to hold. */
export class SecretFile {
  /** Undefined when the file does not exist. */
  readonly current: string | undefined;
  /** Set when the file is to be (re)written with this content. */
  next: string | undefined;

  constructor(
    readonly secret: string,
    readonly key: string,
    readonly path: string,
  ) {
    this.current = fs.existsSync(path) ? fs.readFileSync(path, 'utf8') : undefined;
  }

  get name(): string {
    return `${this.secret}/${this.key}`;
  }

  /** Holds something other than a placeholder now. */
  get holdsValue(): boolean {
    return this.current !== undefined && !PLACEHOLDER.test(this.current);
  }

  /** What it will hold: the new content, the value it keeps, or nothing (a placeholder stays). */
  get value(): string | undefined {
    return this.next ?? (this.holdsValue ? this.current : undefined);
  }

  get changes(): boolean {
    return this.next !== undefined && this.next !== this.current;
  }
}

/** The files under an overlay's secrets/ directory, read once, written together at the end. */
export class SecretTree {
  private readonly files = new Map<string, SecretFile>();

  constructor(readonly dir: string) {}

  file(secret: string, key: string): SecretFile {
    const name = `${secret}/${key}`;
    let file = this.files.get(name);
    if (!file) {
      file = new SecretFile(secret, key, path.join(this.dir, secret, key));
      this.files.set(name, file);
    }
    return file;
  }

  /** The Secrets whose files were asked for, in the order they were first asked for. */
  secrets(): string[] {
    return [...new Set([...this.files.values()].map((file) => file.secret))];
  }

  /** The files of one Secret that were asked for. */
  filesOf(secret: string): SecretFile[] {
    return [...this.files.values()].filter((file) => file.secret === secret);
  }

  /** Writes every changed file, readable by the owner only: they hold secrets. */
  write(): void {
    for (const file of this.files.values()) {
      if (!file.changes) continue;
      fs.mkdirSync(path.dirname(file.path), { recursive: true, mode: 0o700 });
      // A new file renamed over the old one: an interrupted run leaves the old content, never half of the new.
      const temporary = `${file.path}.${randomBytes(4).toString('hex')}.tmp`;
      fs.writeFileSync(temporary, file.next ?? '', { mode: 0o600 });
      fs.chmodSync(temporary, 0o600);
      fs.renameSync(temporary, file.path);
    }
  }
}
