/**
 * Child for keygen-gc.test.ts: generates keys under heavy GC pressure (run with
 * --max-semi-space-size=1). On Node 20 this hung within the first few hundred keys when the
 * engine exported keygen KeyObjects (see electron/core/crypto/node-keygen.ts).
 */
import { createCryptoEngine } from '../../electron/core/crypto/index.js';

const engine = createCryptoEngine();
const count = Number(process.argv[2] ?? '20000');
const churn: string[] = [];
for (let i = 0; i < count; i++) {
  await engine.generateKey((['ed25519', 'ecdsa-p256', 'ecdsa-secp256k1'] as const)[i % 3] as 'ed25519');
  churn.push('x'.repeat(64) + i);
  if (churn.length > 4096) churn.length = 0;
}
process.stdout.write(`generated ${count}\n`);
