// Hands out the addresses a cluster would allocate: Service cluster IPs from 10.96.0.0/12 (the
// first is the `kubernetes` Service's), pod IPs from 10.244.0.0/16, node ports from 30000-32767.
export class AddressAllocator {
  private nextService = 1;
  private nextPod = 2;
  private nextNodePort = 30000;

  clusterIP(): string {
    const n = this.nextService++;
    return `10.96.${(n >> 8) & 0xff}.${n & 0xff}`;
  }

  podIP(): string {
    const n = this.nextPod++;
    return `10.244.${(n >> 8) & 0xff}.${n & 0xff}`;
  }

  nodePort(): number {
    const port = this.nextNodePort++;
    if (this.nextNodePort > 32767) this.nextNodePort = 30000;
    return port;
  }
}
