import { BuiltinShell } from '../src/streaming/builtin-shell';
import { InputQueue } from '../src/streaming/input-queue';
import { TerminalLineDiscipline } from '../src/streaming/terminal-line-discipline';

const pod = { namespace: 'default', pod: 'web', env: { GREETING: 'hello there' } };

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

function shell(options: { stdin?: string; tty?: boolean } = {}) {
  const output = { stdout: '', stderr: '' };
  let stdin: InputQueue | null = null;
  if (options.stdin !== undefined) {
    stdin = new InputQueue();
    stdin.push(Buffer.from(options.stdin));
    stdin.end();
  }
  const killed = new AbortController();
  const sut = new BuiltinShell(
    pod,
    { stdin, stdout: (data) => (output.stdout += data.toString()), stderr: (data) => (output.stderr += data.toString()) },
    options.tty ?? false,
    killed.signal,
  );
  return {
    sut,
    killed,
    run: async (argv: string[]): Promise<Run> => ({ status: await sut.exec(argv), ...output }),
  };
}

const sh = (script: string, options: { stdin?: string; tty?: boolean } = {}): Promise<Run> => shell(options).run(['sh', '-c', script]);

describe(BuiltinShell.name, () => {
  describe('programs', () => {
    it('echo joins its arguments; -n drops the newline, -e reads escapes', async () => {
      expect(await shell().run(['echo', 'a', 'b c'])).toEqual({ status: 0, stdout: 'a b c\n', stderr: '' });
      expect((await shell().run(['echo', '-n', 'x'])).stdout).toBe('x');
      expect((await shell().run(['echo', '-e', 'tab\\there'])).stdout).toBe('tab\there\n');
    });

    it('printf formats and reuses its format for the remaining arguments', async () => {
      expect((await shell().run(['printf', '%s=%d\\n', 'a', '1', 'b', '2'])).stdout).toBe('a=1\nb=2\n');
      expect((await shell().run(['printf', '[%5s|%-3s|%03d|%x|%%]', 'r', 'l', '7', '255'])).stdout).toBe('[    r|l  |007|ff|%]');
      expect(await shell().run(['printf', '%d', 'x'])).toMatchObject({ status: 1, stderr: "printf: invalid number 'x'\n" });
    });

    it('env prints HOSTNAME and the pod environment; env NAME=VALUE CMD runs CMD with it', async () => {
      expect((await shell().run(['env'])).stdout).toBe('HOSTNAME=web\nGREETING=hello there\n');
      expect((await shell().run(['env', 'EXTRA=1', 'env'])).stdout).toContain('EXTRA=1\n');
    });

    it('cat copies stdin to stdout until stdin ends, and reads the pod files', async () => {
      expect(await shell({ stdin: 'some\ninput' }).run(['cat'])).toEqual({ status: 0, stdout: 'some\ninput', stderr: '' });
      expect((await shell().run(['cat', '/etc/hostname'])).stdout).toBe('web\n');
      expect(await shell().run(['cat', '/nope'])).toMatchObject({ status: 1, stderr: "cat: can't open '/nope': No such file or directory\n" });
    });

    it('ls, hostname and pwd answer like a small Linux image', async () => {
      expect((await shell().run(['ls'])).stdout).toBe('bin\ndev\netc\nhome\nlib\nproc\nroot\nsys\ntmp\nusr\nvar\n');
      expect((await shell().run(['ls', '/etc'])).stdout).toContain('resolv.conf\n');
      expect(await shell().run(['ls', '/nope'])).toMatchObject({ status: 1, stderr: 'ls: /nope: No such file or directory\n' });
      expect((await shell().run(['hostname'])).stdout).toBe('web\n');
      expect((await sh('cd /etc && pwd')).stdout).toBe('/etc\n');
    });

    it('sleep waits, and rejects what is not a duration', async () => {
      const started = Date.now();
      expect((await shell().run(['sleep', '0.05'])).status).toBe(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(40);
      expect(await shell().run(['sleep', 'soon'])).toMatchObject({ status: 1, stderr: "sleep: invalid number 'soon'\n" });
    });

    it('exit, true and false set the status; programs resolve from /bin and /usr/bin', async () => {
      expect((await shell().run(['exit', '42'])).status).toBe(42);
      expect((await shell().run(['false'])).status).toBe(1);
      expect((await shell().run(['/usr/bin/true'])).status).toBe(0);
      expect((await shell().run(['/bin/echo', 'x'])).stdout).toBe('x\n');
    });

    it('an executable the image lacks fails as a container runtime reports it, with 126', async () => {
      expect(await shell().run(['kubectl', 'version'])).toEqual({
        status: 126,
        stdout: '',
        stderr: 'OCI runtime exec failed: exec failed: unable to start container process: exec: "kubectl": executable file not found in $PATH: unknown\r\n',
      });
      expect((await shell().run(['/opt/tool'])).stderr).toContain('stat /opt/tool: no such file or directory');
    });
  });

  describe('sh -c', () => {
    it('sequences with ; && || and reports $?', async () => {
      expect((await sh('echo a; false && echo no; true || echo no; false; echo $?')).stdout).toBe('a\n1\n');
    });

    it('ends the script at exit, but exit in a subshell only ends the subshell', async () => {
      expect(await sh('echo before; exit 7; echo after')).toMatchObject({ status: 7, stdout: 'before\n' });
      expect(await sh('(echo inside; exit 4); echo $?')).toMatchObject({ status: 0, stdout: 'inside\n4\n' });
    });

    it('expands variables and positional parameters, honouring quotes', async () => {
      expect((await sh('echo "$GREETING" \'$GREETING\' ${HOSTNAME} x$UNSET"y"')).stdout).toBe('hello there $GREETING web xy\n');
      expect((await shell().run(['sh', '-c', 'echo $0 $1 $#', 'name', 'first', 'second'])).stdout).toBe('name first 2\n');
      expect((await sh('A=1; echo $A; B=2 env')).stdout).toMatch(/^1\n[^]*B=2\n$/);
    });

    it('redirects to stderr, to /dev/null and from files; writing files fails like a read-only image', async () => {
      expect(await sh('echo to-err >&2; echo quiet >/dev/null; echo merged 2>&1')).toEqual({ status: 0, stdout: 'merged\n', stderr: 'to-err\n' });
      expect((await sh('cat < /etc/hostname')).stdout).toBe('web\n');
      expect(await sh('echo x > /tmp/file')).toMatchObject({ status: 1, stderr: "sh: can't create /tmp/file: Read-only file system\n" });
    });

    it('reports commands it does not know with 127', async () => {
      expect(await sh('nope --flag')).toEqual({ status: 127, stdout: '', stderr: 'sh: nope: not found\n' });
    });

    it('refuses syntax it does not emulate, with status 2', async () => {
      expect(await sh("echo 'open")).toMatchObject({ status: 2, stderr: 'sh: unterminated quoted string\n' });
      expect((await sh('echo a | cat')).stderr).toBe('sh: pipelines ("|") are not supported by the emulator shell\n');
      expect((await sh('echo $(date)')).status).toBe(2);
      expect((await sh('echo a &&')).stderr).toBe('sh: syntax error: unexpected end of file\n');
    });

    it('runs the command Lens opens a terminal with', async () => {
      expect(await sh('clear; (bash || ash || sh)', { stdin: 'hostname\n' })).toEqual({ status: 0, stdout: '\x1b[H\x1b[2Jweb\n', stderr: '' });
    });
  });

  describe('interactive sh', () => {
    it('reads commands from stdin until exit', async () => {
      expect(await shell({ stdin: 'echo one\nexit 3\necho never\n' }).run(['sh'])).toMatchObject({ status: 3, stdout: 'one\n' });
    });

    it('prompts on a terminal', async () => {
      expect(await shell({ stdin: 'pwd\n', tty: true }).run(['sh'])).toEqual({ status: 0, stdout: '/\n', stderr: '/ # / # ' });
    });
  });

  describe('signals', () => {
    it('^C interrupts the foreground command with 130', async () => {
      const { sut, run } = shell();
      const result = run(['sh', '-c', 'sleep 30; echo not reached']);

      setTimeout(() => sut.interrupt(), 20);

      expect(await result).toMatchObject({ status: 130, stdout: '' });
    });

    it('a killed session stops waiting at once', async () => {
      const { killed, run } = shell();
      const started = Date.now();
      const result = run(['sleep', '30']);

      killed.abort();

      await result;
      expect(Date.now() - started).toBeLessThan(1000);
    });
  });
});

describe(TerminalLineDiscipline.name, () => {
  function terminal() {
    const input = new InputQueue();
    const echoed: string[] = [];
    const interrupts: number[] = [];
    const sut = new TerminalLineDiscipline(input, (data) => echoed.push(data.toString()), () => interrupts.push(1));
    const lines = async (): Promise<string[]> => {
      const read: string[] = [];
      for (let line = await input.readLine(new AbortController().signal); line !== null; line = await input.readLine(new AbortController().signal)) read.push(line);
      return read;
    };
    return { sut, echoed, interrupts, lines };
  }

  it('echoes what is typed and delivers the line at Enter, after Backspace edits', async () => {
    const { sut, echoed, lines } = terminal();

    sut.receive(Buffer.from('lx\x7fs -l\r'));
    sut.end();

    expect(echoed.join('')).toBe('lx\b \bs -l\r\n');
    expect(await lines()).toEqual(['ls -l']);
  });

  it('^C drops the line and interrupts; ^D on an empty line ends input; cursor keys are swallowed', async () => {
    const { sut, echoed, interrupts, lines } = terminal();

    sut.receive(Buffer.from('half\x03next\x1b[A\r\x04'));

    expect(interrupts).toHaveLength(1);
    expect(echoed.join('')).toBe('half^C\r\nnext\r\n');
    expect(await lines()).toEqual(['next']);
  });

  it('turns LF into CR LF on output', () => {
    expect(TerminalLineDiscipline.toTerminalOutput(Buffer.from('a\nb\n')).toString()).toBe('a\r\nb\r\n');
  });
});
