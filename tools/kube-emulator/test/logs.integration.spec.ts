import { PassThrough } from 'node:stream';
import { Log } from '@kubernetes/client-node';
import { KubeEmulator } from '@portcullis/kube-emulator';
import { eventually, kubeConfigFor, pod, raw } from './support/kube-test-kit';

// pods/log: plain reads with the kubelet's options, and `follow` streams fed by appendPodLog.

describe('KubeEmulator pod logs', () => {
  let emu: KubeEmulator;
  afterEach(() => emu.stop());

  const get = (query: string) => raw(emu, 'GET', `/api/v1/namespaces/default/pods/web/log${query}`, { creds: { token: emu.adminToken } });

  it('reads logs with tailLines, timestamps, sinceTime and container selection', async () => {
    emu = await KubeEmulator.start();
    emu.apply(pod('web', 'default', { spec: { containers: [{ name: 'app', image: 'a' }, { name: 'proxy', image: 'b' }] } }));
    emu.appendPodLog('default', 'web', 'app', 'one');
    emu.appendPodLog('default', 'web', 'app', 'two\nthree');
    emu.appendPodLog('default', 'web', 'proxy', 'proxied');
    expect((await get('?container=app')).body).toBe('one\ntwo\nthree\n');
    expect((await get('?container=app&tailLines=1')).body).toBe('three\n');
    expect((await get('?container=proxy&timestamps=true')).body).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z proxied\n$/);
    emu.clock.advance(60_000);
    const since = new Date(emu.clock.now() - 1000).toISOString();
    emu.appendPodLog('default', 'web', 'app', 'later');
    expect((await get(`?container=app&sinceTime=${encodeURIComponent(since)}`)).body).toBe('later\n');
    const ambiguous = await get('');
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.json().message).toBe('a container name must be specified for pod web, choose one of: [app proxy]');
    expect((await get('?container=nope')).json().message).toBe('container nope is not valid for pod web');
  });

  it('follows a log until the pod is deleted (client-node Log)', async () => {
    emu = await KubeEmulator.start({ seed: 'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: default}\nspec: {containers: [{name: app, image: a}]}\n---\napiVersion: emulator.portcullis.dev/v1\nkind: PodLog\nmetadata: {name: web, namespace: default}\nlines: [from-seed]\n' });
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const ended = new Promise<void>((resolve) => out.on('end', () => resolve()));
    await new Log(kubeConfigFor(emu)).log('default', 'web', 'app', out, { follow: true });
    await eventually(() => text === 'from-seed\n');
    emu.appendPodLog('default', 'web', undefined, 'live line');
    await eventually(() => text === 'from-seed\nlive line\n');
    emu.delete('v1', 'Pod', 'web', 'default');
    await ended;
    expect(text).toBe('from-seed\nlive line\n');
  });
});
