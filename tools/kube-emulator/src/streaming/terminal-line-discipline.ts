import type { InputQueue } from './input-queue';

const CTRL_C = 0x03;
const CTRL_D = 0x04;
const BACKSPACE = 0x08;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const CTRL_U = 0x15;
const ESCAPE = 0x1b;
const DELETE = 0x7f;

/**
 * What the pseudo-terminal of a `tty=true` session does between the client's keyboard and the
 * process, in canonical mode: echo what is typed, hand over a whole line at Enter, erase on
 * Backspace and ^U, interrupt on ^C, end input on ^D at the start of a line. Clients in raw mode
 * rely on this: without the echo a user types blind, and Enter arrives as a bare CR.
 */
export class TerminalLineDiscipline {
  private line: number[] = [];
  private escape: 'none' | 'escape' | 'sequence' = 'none';

  constructor(
    private readonly input: InputQueue,
    private readonly echo: (data: Buffer) => void,
    private readonly interrupt: () => void,
  ) {}

  receive(data: Buffer): void {
    const echoed: number[] = [];
    for (const byte of data) {
      // Cursor keys and the like arrive as escape sequences; there is no line editing to apply them to.
      if (this.escape === 'escape') {
        this.escape = byte === 0x5b || byte === 0x4f ? 'sequence' : 'none';
        continue;
      }
      if (this.escape === 'sequence') {
        if (byte >= 0x40 && byte <= 0x7e) this.escape = 'none';
        continue;
      }
      switch (byte) {
        case ESCAPE:
          this.escape = 'escape';
          break;
        case CARRIAGE_RETURN:
        case LINE_FEED:
          echoed.push(CARRIAGE_RETURN, LINE_FEED);
          this.input.push(Buffer.from([...this.line, LINE_FEED]));
          this.line = [];
          break;
        case DELETE:
        case BACKSPACE:
          if (this.line.length > 0) {
            this.eraseCharacter();
            echoed.push(BACKSPACE, 0x20, BACKSPACE);
          }
          break;
        case CTRL_U:
          while (this.line.length > 0) {
            this.eraseCharacter();
            echoed.push(BACKSPACE, 0x20, BACKSPACE);
          }
          break;
        case CTRL_C:
          echoed.push(...Buffer.from('^C\r\n'));
          this.line = [];
          this.flushEcho(echoed);
          this.interrupt();
          break;
        case CTRL_D:
          if (this.line.length === 0) this.input.end();
          else this.input.push(Buffer.from(this.line));
          this.line = [];
          break;
        default:
          if (byte >= 0x20 || byte === 0x09) {
            this.line.push(byte);
            echoed.push(byte);
          }
      }
    }
    this.flushEcho(echoed);
  }

  end(): void {
    this.input.end();
  }

  /** Output post-processing of a terminal (ONLCR): every LF leaves as CR LF. */
  static toTerminalOutput(data: Buffer): Buffer {
    if (!data.includes(LINE_FEED)) return data;
    const out: number[] = [];
    for (const byte of data) {
      if (byte === LINE_FEED) out.push(CARRIAGE_RETURN);
      out.push(byte);
    }
    return Buffer.from(out);
  }

  private eraseCharacter(): void {
    // Remove a whole UTF-8 character: its continuation bytes, then its lead byte.
    while (this.line.length > 0 && ((this.line[this.line.length - 1] ?? 0) & 0xc0) === 0x80) this.line.pop();
    this.line.pop();
  }

  private flushEcho(echoed: number[]): void {
    if (echoed.length === 0) return;
    this.echo(Buffer.from(echoed));
    echoed.length = 0;
  }
}
