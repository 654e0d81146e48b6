// Stands in, in the CLI bundle only, for whatwg-url as node-fetch 2 imports it: node-fetch takes
// Node's own URL (`Url.URL || whatwgUrl.URL`), which Node 20 always has, so whatwg-url and its
// 300 KB of Unicode tables (tr46) were loaded at every start and never used.
export default { URL: globalThis.URL };
