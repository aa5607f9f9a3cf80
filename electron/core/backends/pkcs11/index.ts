/**
 * @module core/backends/pkcs11
 * PKCS#11 tokens (SoftHSM2, OpenSC smart cards, YubiHSM, cloud HSM connectors) as TokenBackends:
 * list a module's tokens, open one by label, and log in, generate, adopt, sign and encrypt on it.
 * pkcs11js (native) loads on first use only.
 */
export { listTokens, rescanModule, type Pkcs11TokenInfo } from './module.js';
export { openToken, Pkcs11Backend, type OpenTokenOptions } from './token.js';
export { translatePkcs11Error } from './ckr.js';
