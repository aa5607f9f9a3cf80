/**
 * Account paths (BIP-44/49/84/86, Ethereum, Solana) and the published account vectors: BIP-49
 * (testnet), BIP-84, BIP-86 and SLIP-0132, all from "abandon … about". Keys are compared as
 * extended keys and public keys; addresses are encoded by @scure/btc-signer (not by us) as an
 * independent check that the right public keys came out. Vectors: test/vectors/bip/bip44_accounts.json.
 */
import { describe, expect, it } from 'vitest';
import { HDNodeWallet, Mnemonic } from 'ethers';
import { NETWORK, TEST_NETWORK, WIF, p2pkh, p2sh, p2tr, p2wpkh } from '@scure/btc-signer';
import { base58 } from '@scure/base';
import { codeOf, hex, readVector } from '../../../../test/support.js';
import {
  COIN_TYPE,
  PURPOSE,
  accountPath,
  addressPath,
  bitcoinAccountPath,
  bitcoinAddressPath,
  ethereumAddressPath,
  ethereumParentPath,
  solanaPath,
  type BitcoinScriptType,
} from './accounts.js';
import { mnemonicToSeed } from './bip39.js';
import { ethAddressFromPublicKey } from './eth-address.js';
import { accountExtendedPublicKey, encodeExtendedPrivateKey, encodeExtendedPublicKey, parseExtendedKey } from './extended-key.js';
import { masterNodeFromSeed } from './slip10.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

interface AccountVectors {
  bip49: {
    masterseedWords: string;
    masterseed: string;
    accountPath: string;
    account0Xpriv: string;
    account0Xpub: string;
    receive: { path: string; account0recvPrivateKey: string; account0recvPrivateKeyHex: string; account0recvPublickKeyHex: string; address: string };
  };
  bip84: {
    mnemonic: string;
    rootpriv: string;
    rootpub: string;
    accountPath: string;
    xpriv: string;
    xpub: string;
    addresses: Array<{ path: string; privkey: string; pubkey: string; address: string }>;
  };
  bip86: {
    mnemonic: string;
    rootpriv: string;
    rootpub: string;
    accountPath: string;
    xprv: string;
    xpub: string;
    addresses: Array<{ path: string; xprv: string; xpub: string; internal_key: string; output_key: string; scriptPubKey: string; address: string }>;
  };
  slip132: { mnemonic: string; accounts: Array<{ path: string; script: BitcoinScriptType; prv: string; pub: string; address0: string }> };
}

const V = readVector<AccountVectors>('bip/bip44_accounts.json');
const root = masterNodeFromSeed(mnemonicToSeed(ABANDON));

describe('account paths', () => {
  it('BIP-44/49/84/86 for Bitcoin mainnet, testnet and regtest', () => {
    expect(bitcoinAccountPath('p2pkh', 'mainnet')).toBe("m/44'/0'/0'");
    expect(bitcoinAccountPath('p2sh-p2wpkh', 'mainnet', 2)).toBe("m/49'/0'/2'");
    expect(bitcoinAccountPath('p2wpkh', 'testnet')).toBe("m/84'/1'/0'");
    expect(bitcoinAccountPath('p2tr', 'regtest')).toBe("m/86'/1'/0'");
    expect(bitcoinAddressPath('p2wpkh', 'mainnet', 0, 1, 5)).toBe("m/84'/0'/0'/1/5");
    expect(accountPath(PURPOSE.bip86, COIN_TYPE.bitcoin, 1)).toBe("m/86'/0'/1'");
    expect(addressPath(44, 60, 0, 0, 3)).toBe("m/44'/60'/0'/0/3");
  });

  it('Ethereum m/44\'/60\'/a\'/0/i and its cacheable parent; Solana m/44\'/501\'/a\'/0\'', () => {
    expect(ethereumParentPath()).toBe("m/44'/60'/0'/0");
    expect(ethereumAddressPath(7)).toBe("m/44'/60'/0'/0/7");
    expect(ethereumAddressPath(7, 2)).toBe("m/44'/60'/2'/0/7");
    expect(solanaPath()).toBe("m/44'/501'/0'/0'");
    expect(solanaPath(3)).toBe("m/44'/501'/3'/0'");
  });

  it('bad arguments are INVALID_INPUT', () => {
    expect(codeOf(() => addressPath(44, 0, 0, 2 as 0, 0))).toBe('INVALID_INPUT');
    expect(codeOf(() => ethereumAddressPath(-1))).toBe('INVALID_INPUT');
    expect(codeOf(() => ethereumAddressPath(2 ** 31))).toBe('INVALID_INPUT');
    expect(codeOf(() => solanaPath(1.5))).toBe('INVALID_INPUT');
    expect(codeOf(() => accountPath(2 ** 31, 0))).toBe('INVALID_INPUT');
  });
});

describe('BIP-84 test vectors', () => {
  const v = V.bip84;

  it('root zprv/zpub and account zprv/zpub', () => {
    expect(v.mnemonic).toBe(ABANDON);
    expect(encodeExtendedPrivateKey(root, 'zprv')).toBe(v.rootpriv);
    expect(encodeExtendedPublicKey(root, 'zpub')).toBe(v.rootpub);
    expect(bitcoinAccountPath('p2wpkh', 'mainnet')).toBe(v.accountPath);
    const account = root.derivePath(v.accountPath);
    expect(encodeExtendedPrivateKey(account, 'zprv')).toBe(v.xpriv);
    expect(accountExtendedPublicKey(account, 'p2wpkh', 'mainnet')).toBe(v.xpub);
  });

  it('receive and change keys: WIF private key, public key, P2WPKH address (btc-signer)', () => {
    expect(v.addresses).toHaveLength(3);
    const watchOnly = parseExtendedKey(v.xpub).node;
    for (const a of v.addresses) {
      const node = root.derivePath(a.path);
      expect(hex(node.privateKey as Uint8Array)).toBe(hex(WIF(NETWORK).decode(a.privkey)));
      expect(hex(node.publicKey)).toBe(a.pubkey);
      expect(p2wpkh(node.publicKey, NETWORK).address).toBe(a.address);
      // The same public key from the watch-only zpub (CKDpub over change/index).
      const [change, index] = a.path.split('/').slice(-2).map(Number) as [number, number];
      expect(hex(watchOnly.derive(change).derive(index).publicKey)).toBe(a.pubkey);
    }
  });
});

describe('BIP-86 test vectors', () => {
  const v = V.bip86;

  it('root and account xprv/xpub', () => {
    expect(v.mnemonic).toBe(ABANDON);
    expect(encodeExtendedPrivateKey(root)).toBe(v.rootpriv);
    expect(encodeExtendedPublicKey(root)).toBe(v.rootpub);
    expect(bitcoinAccountPath('p2tr', 'mainnet')).toBe(v.accountPath);
    const account = root.derivePath(v.accountPath);
    expect(encodeExtendedPrivateKey(account)).toBe(v.xprv);
    expect(accountExtendedPublicKey(account, 'p2tr', 'mainnet')).toBe(v.xpub);
  });

  it('receive and change keys: xprv/xpub, internal key, output key, scriptPubKey and address (btc-signer)', () => {
    expect(v.addresses).toHaveLength(3);
    for (const a of v.addresses) {
      const node = root.derivePath(a.path);
      expect(encodeExtendedPrivateKey(node)).toBe(a.xprv);
      expect(encodeExtendedPublicKey(node)).toBe(a.xpub);
      const internal = node.publicKey.subarray(1); // BIP-86: lift_x(derived_key), the x coordinate
      expect(hex(internal)).toBe(a.internal_key);
      const out = p2tr(internal, undefined, NETWORK);
      expect(hex(out.tweakedPubkey)).toBe(a.output_key);
      expect(hex(out.script)).toBe(a.scriptPubKey);
      expect(out.address).toBe(a.address);
    }
  });
});

describe('BIP-49 test vectors (testnet)', () => {
  const v = V.bip49;

  it('master uprv, account uprv/upub, first receive key, P2SH-P2WPKH address (btc-signer)', () => {
    expect(v.masterseedWords).toBe(ABANDON);
    expect(encodeExtendedPrivateKey(root, 'uprv')).toBe(v.masterseed);
    expect(bitcoinAccountPath('p2sh-p2wpkh', 'testnet')).toBe(v.accountPath);
    const account = root.derivePath(v.accountPath);
    expect(encodeExtendedPrivateKey(account, 'uprv')).toBe(v.account0Xpriv);
    expect(accountExtendedPublicKey(account, 'p2sh-p2wpkh', 'testnet')).toBe(v.account0Xpub);
    const node = root.derivePath(v.receive.path);
    expect(hex(node.privateKey as Uint8Array)).toBe(v.receive.account0recvPrivateKeyHex);
    expect(hex(WIF(TEST_NETWORK).decode(v.receive.account0recvPrivateKey))).toBe(v.receive.account0recvPrivateKeyHex);
    expect(hex(node.publicKey)).toBe(v.receive.account0recvPublickKeyHex);
    expect(p2sh(p2wpkh(node.publicKey, TEST_NETWORK), TEST_NETWORK).address).toBe(v.receive.address);
  });
});

describe('SLIP-0132 test vectors', () => {
  it('account keys with their script type\'s version bytes, and the first address (btc-signer)', () => {
    expect(V.slip132.mnemonic).toBe(ABANDON);
    expect(V.slip132.accounts).toHaveLength(3);
    for (const a of V.slip132.accounts) {
      const account = root.derivePath(a.path);
      const prvPrefix = a.script === 'p2pkh' ? 'xprv' : a.script === 'p2sh-p2wpkh' ? 'yprv' : 'zprv';
      expect(encodeExtendedPrivateKey(account, prvPrefix)).toBe(a.prv);
      expect(accountExtendedPublicKey(account, a.script, 'mainnet')).toBe(a.pub);
      const key = account.derivePath('m/0/0').publicKey;
      const address =
        a.script === 'p2pkh' ? p2pkh(key, NETWORK).address : a.script === 'p2sh-p2wpkh' ? p2sh(p2wpkh(key, NETWORK), NETWORK).address : p2wpkh(key, NETWORK).address;
      expect(address).toBe(a.address0);
    }
  });
});

describe('Ethereum and Solana from "abandon … about"', () => {
  it('m/44\'/60\'/0\'/0/i: the address agrees with ethers HDNodeWallet (independent BIP-32 + EIP-55)', () => {
    const wallet = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(ABANDON), ethereumParentPath());
    for (let i = 0; i < 5; i++) {
      expect(ethAddressFromPublicKey(root.derivePath(ethereumAddressPath(i)).publicKey)).toBe(wallet.deriveChild(i).address);
    }
    // The value many wallets' test suites quote for index 0.
    expect(ethAddressFromPublicKey(root.derivePath(ethereumAddressPath(0)).publicKey)).toBe('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
  });

  it("m/44'/501'/0'/0' (SLIP-10 ed25519) gives the widely quoted Solana address", () => {
    const sol = masterNodeFromSeed(mnemonicToSeed(ABANDON), 'ed25519').derivePath(solanaPath(0));
    expect(base58.encode(sol.publicKey)).toBe('HAgk14JpMQLgt6rVgv7cBQFJWFto5Dqxi472uT3DKpqk');
  });
});
