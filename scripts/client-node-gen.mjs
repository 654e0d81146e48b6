// Stands in, in the CLI bundle only, for @kubernetes/client-node's generated API clients
// (dist/gen/index.js: every API group's client and model, 1,400 classes), which its KubeConfig
// module imports for one method, makeApiClient(). capstan makes its own requests and never calls
// it; loading them cost every `capstan` start 100-190 ms. Anything that does call it fails loudly.
function notBundled() {
  throw new Error("@kubernetes/client-node's generated API clients are not part of capstan's bundle (KubeConfig.makeApiClient is not used)");
}
export const createConfiguration = notBundled;
export class ServerConfiguration {
  constructor() {
    notBundled();
  }
}
