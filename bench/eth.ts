/**
 * `npx tsx bench/eth.ts`: EIP-1559 signing through electron/core/chains/ethereum with an
 * engine-backed signer (chains/engine-signers.ts, as the facade builds it) beside ethers' own
 * `Wallet.signTransaction` on the same transaction, and where our time goes: the signer alone,
 * the engine's ECDSA alone (what the signer would cost if the engine returned the recovery id),
 * and this module without the signer. Plain script: each case runs for BENCH_SECONDS (default 1.5)
 * after a warm-up, in BENCH_ROUNDS (default 3) interleaved rounds, and the best round is printed,
 * so a neighbour's load spike does not decide the comparison. Run on an idle machine.
 */
import { Transaction, Wallet, getBytes, keccak256, toUtf8Bytes } from 'ethers';
import { signTransaction } from '../electron/core/chains/ethereum/index.js';
import { secp256k1Signer } from '../electron/core/chains/engine-signers.js';
import type { Secp256k1Signer } from '../electron/core/chains/signer.js';
import { createCryptoEngine } from '../electron/core/crypto/index.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? '1.5');
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? '3');

function measure(fn: () => void, seconds = SECONDS): number {
  const warm = performance.now() + 200;
  while (performance.now() < warm) fn();
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let i = 0; i < 8; i++) fn();
    n += 8;
  }
  return (n * 1000) / (performance.now() - start);
}

/** One caller awaiting each call, as ethers' async signTransaction is used. */
async function measureAsync(fn: () => Promise<unknown>, seconds = SECONDS): Promise<number> {
  const warm = performance.now() + 200;
  while (performance.now() < warm) await fn();
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    await fn();
    n++;
  }
  return (n * 1000) / (performance.now() - start);
}

const row = (name: string, opsPerSecond: number, note = ''): void => {
  console.log(`${name.padEnd(58)} ${opsPerSecond.toFixed(0).padStart(8)} /s  ${(1e6 / opsPerSecond).toFixed(0).padStart(6)} µs${note === '' ? '' : `  ${note}`}`);
};

const privateKeyHex = keccak256(toUtf8Bytes('custos eth bench key'));
const privateKey = getBytes(privateKeyHex);
const engine = createCryptoEngine();
const signer = secp256k1Signer(engine, privateKey);
const wallet = new Wallet(privateKeyHex);

// The same EIP-1559 transaction for both: an ETH transfer on mainnet.
const tx = {
  type: 2,
  chainId: 1,
  nonce: 42,
  to: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
  value: 1_500_000_000_000_000_000n,
  gasLimit: 21_000n,
  maxFeePerGas: 30_000_000_000n,
  maxPriorityFeePerGas: 1_500_000_000n,
  data: '0x',
};

// Both produce a transaction that ethers reads back as signed by the same account.
const ours = signTransaction(signer, tx);
const theirs = await wallet.signTransaction(tx);
if (Transaction.from(ours.rawTransaction).from !== wallet.address || Transaction.from(theirs).from !== wallet.address) throw new Error('signatures do not recover to the bench key');
if (Transaction.from(ours.rawTransaction).unsignedHash !== Transaction.from(theirs).unsignedHash) throw new Error('ours and ethers sign different transactions');

const digest = getBytes(ours.signingHash);
const handle = engine.loadPrivateKey(engine.importKey('ecdsa-secp256k1', 'raw', privateKey));
const fixed = signer.signDigest(digest);
const replay: Secp256k1Signer = { publicKey: signer.publicKey, signDigest: () => fixed };

const cases: { name: string; run: () => number | Promise<number>; best: number }[] = [
  { name: 'ethers Wallet.signTransaction', run: () => measureAsync(() => wallet.signTransaction(tx)), best: 0 },
  { name: 'ours: signTransaction + engine signer (engine-signers.ts)', run: () => measure(() => signTransaction(signer, tx)), best: 0 },
  { name: '  engine signer alone (ECDSA + recovery id by recovery)', run: () => measure(() => signer.signDigest(digest)), best: 0 },
  { name: '  engine.sign alone (prehashed ECDSA, no recovery id)', run: () => measure(() => engine.sign(handle, digest, { prehashed: true, sigFormat: 'raw' })), best: 0 },
  { name: '  signTransaction without the signer (validate, encode, hash)', run: () => measure(() => signTransaction(replay, tx)), best: 0 },
];
for (let round = 0; round < ROUNDS; round++) {
  for (const c of cases) c.best = Math.max(c.best, await c.run());
}

console.log(`EIP-1559 signing: best of ${ROUNDS} rounds of ${SECONDS}s (node ${process.version}; the engine signs prehashed secp256k1 with noble)`);
const [ethersCase, oursCase, ...parts] = cases as [(typeof cases)[number], (typeof cases)[number], ...(typeof cases)[number][]];
row(ethersCase.name, ethersCase.best);
row(oursCase.name, oursCase.best, `ratio to ethers ${(oursCase.best / ethersCase.best).toFixed(2)}`);
console.log('where our time goes');
for (const c of parts) row(c.name, c.best);
