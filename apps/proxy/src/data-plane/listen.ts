import type { AddressInfo, Server } from 'node:net';

/** Listens on host:port; resolves with the address once listening, rejects on EADDRINUSE and the like. */
export async function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/** `https://host:port` of a listening address. */
export function httpsUrl(address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `https://${host}:${address.port}`;
}
