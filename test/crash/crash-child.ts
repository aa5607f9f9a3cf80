/**
 * Crash-safety child: generates and rotates keys in a tight loop and reports each operation
 * on stdout only after the facade call has returned (i.e. after its transaction committed).
 * The parent test kills this process with SIGKILL at random moments.
 * argv: dataDir prefix
 */
import { openCustodian } from '../../electron/core/custodian.js';

const [dataDir, prefix] = process.argv.slice(2) as [string, string];
const passphrase = new TextEncoder().encode('correct horse battery staple');
const c = await openCustodian({ dataDir });
await c.unlock(passphrase);
process.stdout.write('ready\n');
const algs = ['ed25519', 'aes-256-gcm', 'ecdsa-p256', 'ecdsa-secp256k1'] as const;
const mine: string[] = [];
for (let n = 0; ; n++) {
  if (n % 3 === 2 && mine.length > 0) {
    const id = mine[n % mine.length] as string;
    const info = await c.rotateKey('default', id);
    process.stdout.write(`rotate ${id} ${info.primaryVersion}\n`);
  } else {
    const id = `${prefix}-${n}`;
    await c.generateKey('default', id, algs[n % algs.length] as (typeof algs)[number]);
    mine.push(id);
    process.stdout.write(`generate ${id}\n`);
  }
}
