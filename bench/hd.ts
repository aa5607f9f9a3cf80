/**
 * `npx tsx bench/hd.ts`: HD derivation speed (electron/core/chains/hd). Plain script: each case
 * runs for a fixed time after a warm-up and prints operations per second beside the raw primitive
 * and @scure/bip32. It checks the two targets of issue 5: deriving an Ethereum key from a cached
 * parent (m/44'/60'/0'/0) at least 5x faster than from the root, and 1,000 EIP-55 addresses from
 * a cached parent in under a second. It also prints the address speed-up, bounded near 5x: the
 * root path needs 5 point multiplications (one per parent fingerprint, one for the leaf), the
 * cached parent 1. Run on an idle machine.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { HDKey } from '@scure/bip32';
import {
  createDerivationCache,
  ethAddressFromPublicKey,
  ethereumAddressPath,
  ethereumParentPath,
  masterNodeFromSeed,
  mnemonicToSeed,
  solanaPath,
  starkKeyFromNode,
  starknetAccountPath,
} from '../electron/core/chains/hd/index.js';
import { measure as measureFor } from './measure.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? '1.5');

const measure = (fn: () => void, seconds = SECONDS): number => measureFor(fn, seconds, 8);

function row(...cells: (string | number)[]): void {
  const r = cells.map((c) => (typeof c === 'number' ? (c >= 100 ? Math.round(c).toLocaleString('en-US') : c.toFixed(2)) : c));
  console.log(`| ${r.join(' | ')} |`);
}

const PHRASE = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const seed = mnemonicToSeed(PHRASE);
const root = masterNodeFromSeed(seed);
const cache = createDerivationCache(root);
const scureRoot = HDKey.fromMasterSeed(seed);
const scureParent = scureRoot.derive(ethereumParentPath());

let i = 0;
const next = (): number => (i = (i + 1) % 0x7fffffff);

console.log(`HD derivation (node ${process.version}, ${SECONDS}s per case)\n`);
row('case', 'ops/s', 'vs raw getPublicKey');
row('---', '---:', '---:');

const rawKey = secp256k1.utils.randomSecretKey();
const getPublicKeyOps = measure(() => void secp256k1.getPublicKey(rawKey, true));
const chainCode = new Uint8Array(32).fill(7);
const data = new Uint8Array(37).fill(3);
const hmacOps = measure(() => void hmac(sha512, chainCode, data));
row('raw: secp256k1 getPublicKey (one base-point multiplication)', getPublicKeyOps, '1.00');
row('raw: HMAC-SHA512 (one CKD hash)', hmacOps, (hmacOps / getPublicKeyOps).toFixed(2));

// A signing key (private key only; public keys are computed on first use) and an address (the
// leaf's public key too). From the root every level costs an HMAC, and the parent fingerprint of
// each child needs its parent's public key: four point multiplications before the leaf.
const keyFromRoot = measure(() => {
  const node = root.derivePath(ethereumAddressPath(next()));
  void node.privateKey;
  node.wipe();
});
const keyFromCache = measure(() => {
  const node = cache.derive(ethereumAddressPath(next()));
  void node.privateKey;
  node.wipe();
});
const addressFromRoot = measure(() => {
  const node = root.derivePath(ethereumAddressPath(next()));
  ethAddressFromPublicKey(node.uncompressedPublicKey);
  node.wipe();
});
const addressFromCache = measure(() => {
  const node = cache.derive(ethereumAddressPath(next()));
  ethAddressFromPublicKey(node.uncompressedPublicKey);
  node.wipe();
});
const scureFromRoot = measure(() => void scureRoot.derive(ethereumAddressPath(next())));
const scureFromParent = measure(() => void scureParent.deriveChild(next()));
row("signing key m/44'/60'/0'/0/i from the root (5 CKD steps)", keyFromRoot, (keyFromRoot / getPublicKeyOps).toFixed(2));
row("signing key m/44'/60'/0'/0/i from the cached parent (1 step)", keyFromCache, (keyFromCache / getPublicKeyOps).toFixed(2));
row('Ethereum address (EIP-55) from the root', addressFromRoot, (addressFromRoot / getPublicKeyOps).toFixed(2));
row('Ethereum address (EIP-55) from the cached parent', addressFromCache, (addressFromCache / getPublicKeyOps).toFixed(2));
row('@scure/bip32: same path from the root (keys computed eagerly)', scureFromRoot, (scureFromRoot / getPublicKeyOps).toFixed(2));
row('@scure/bip32: deriveChild from the parent', scureFromParent, (scureFromParent / getPublicKeyOps).toFixed(2));

const ed = masterNodeFromSeed(seed, 'ed25519');
const solana = measure(() => ed.derivePath(solanaPath(next())).wipe());
row("Solana m/44'/501'/a'/0' (SLIP-10 ed25519, from the root)", solana, (solana / getPublicKeyOps).toFixed(2));
const stark = measure(() => {
  const node = cache.derive(starknetAccountPath(next()));
  starkKeyFromNode(node).fill(0);
  node.wipe();
});
row("StarkNet m/44'/9004'/0'/0/i + grinding (cached parent)", stark, (stark / getPublicKeyOps).toFixed(2));
const bip39 = measure(() => mnemonicToSeed(PHRASE, String(next())).fill(0), Math.min(SECONDS, 1));
row('BIP-39 seed (validate + PBKDF2-SHA512 × 2048)', bip39, (bip39 / getPublicKeyOps).toFixed(2));

// Target 2: 1,000 addresses from the cached parent, timed as a batch (best and median of 7).
const batches: number[] = [];
for (let run = 0; run < 7; run++) {
  const start = performance.now();
  for (let k = 0; k < 1000; k++) {
    const node = cache.derive(ethereumAddressPath(run * 1000 + k));
    ethAddressFromPublicKey(node.uncompressedPublicKey);
    node.wipe();
  }
  batches.push(performance.now() - start);
}
batches.sort((a, b) => a - b);

const keySpeedup = keyFromCache / keyFromRoot;
const addressSpeedup = addressFromCache / addressFromRoot;
const median = batches[3] as number;
console.log('');
console.log(`signing key, cached parent vs root: ${keySpeedup.toFixed(1)}x (target ≥ 5x) ${keySpeedup >= 5 ? 'PASS' : 'FAIL'}`);
console.log(`address, cached parent vs root: ${addressSpeedup.toFixed(2)}x (the root path does 5 point multiplications, the cached parent 1)`);
console.log(`1,000 Ethereum addresses from the cached parent: median ${median.toFixed(0)} ms, best ${(batches[0] as number).toFixed(0)} ms (target < 1000 ms) ${median < 1000 ? 'PASS' : 'FAIL'}`);
cache.wipe();
root.wipe();
ed.wipe();
seed.fill(0);
