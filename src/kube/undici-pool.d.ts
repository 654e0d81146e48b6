// undici's Pool module on its own (src/kube/connect.ts imports it without undici's index).
declare module 'undici/lib/dispatcher/pool.js' {
  import type { Pool } from 'undici';
  const PoolClass: typeof Pool;
  export default PoolClass;
}
