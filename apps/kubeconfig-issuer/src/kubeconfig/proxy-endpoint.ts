/** Where kubeconfigs send kubectl: the proxy's public URL and the CA its serving certificate chains to. */
export class ProxyEndpoint {
  constructor(
    readonly url: string,
    readonly caPem: string,
  ) {}
}
