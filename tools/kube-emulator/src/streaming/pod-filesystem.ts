import { posix } from 'node:path';

/** Where the built-in shell finds programs, so `/bin/sh` and `/usr/bin/env` resolve like `sh`. */
export const PROGRAM_DIRECTORIES = ['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'];

/**
 * A small read-only file tree that looks like a minimal Linux image with the files kubelet
 * mounts into every container, enough for `ls`, `cat /etc/hostname` and `cd` to answer
 * plausibly.
 */
export class PodFilesystem {
  private readonly files: Map<string, string>;
  private readonly directories: Map<string, string[]>;

  constructor(namespace: string, pod: string, programs: string[]) {
    this.files = new Map([
      ['/etc/hostname', `${pod}\n`],
      ['/etc/hosts', `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.244.0.10\t${pod}\n`],
      ['/etc/resolv.conf', `search ${namespace}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n`],
      ['/etc/passwd', 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n'],
      ['/etc/os-release', 'NAME="Portcullis Kubernetes emulator"\nID=emulator\n'],
    ]);
    this.directories = new Map([
      ['/', ['bin', 'dev', 'etc', 'home', 'lib', 'proc', 'root', 'sys', 'tmp', 'usr', 'var']],
      ['/bin', [...programs].sort()],
      ['/dev', ['null', 'stderr', 'stdin', 'stdout', 'tty', 'zero']],
      ['/etc', ['hostname', 'hosts', 'os-release', 'passwd', 'resolv.conf']],
      ['/home', []],
      ['/lib', []],
      ['/proc', []],
      ['/root', []],
      ['/sys', []],
      ['/tmp', []],
      ['/usr', ['bin', 'lib', 'local', 'sbin']],
      ['/usr/bin', []],
      ['/usr/lib', []],
      ['/usr/local', ['bin']],
      ['/usr/local/bin', []],
      ['/usr/sbin', []],
      ['/var', ['log', 'run', 'tmp']],
      ['/var/log', []],
      ['/var/run', []],
      ['/var/tmp', []],
    ]);
  }

  resolve(cwd: string, path: string): string {
    return posix.resolve(cwd, path);
  }

  readFile(path: string): string | undefined {
    return this.files.get(path);
  }

  list(path: string): string[] | undefined {
    return this.directories.get(path);
  }

  exists(path: string): boolean {
    return this.files.has(path) || this.directories.has(path) || path === '/dev/null';
  }
}
