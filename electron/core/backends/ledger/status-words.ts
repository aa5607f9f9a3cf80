/**
 * @module core/backends/ledger/status-words
 * APDU status words of a Ledger running the Ethereum app (LedgerHQ app-ethereum, doc/ethapp.adoc
 * "Status Words", plus the BOLOS ones the dashboard answers). Shared by the backend, which turns
 * them into typed errors, and by the simulator, which answers them. Numbers only: no behaviour.
 */

export const SW = {
  OK: 0x9000,
  /** The device is locked: the PIN has to be entered on it. */
  LOCKED: 0x5515,
  /** The dashboard (no app open) refuses an app's command (newer firmware). */
  APP_NOT_OPEN: 0x6511,
  /** TransactionType not supported. */
  TX_TYPE_UNSUPPORTED: 0x6501,
  INCORRECT_LENGTH: 0x6700,
  /** Refused by the person on the device ("Reject"). */
  DENIED: 0x6985,
  /** Invalid data; for signing: blind signing (contract data) is off in the app's settings. */
  INVALID_DATA: 0x6a80,
  INCORRECT_P1_P2: 0x6b00,
  /** INS not supported: another app, or an app version without the command. */
  INS_NOT_SUPPORTED: 0x6d00,
  /** CLA not supported: no app, or an app of another chain. */
  CLA_NOT_SUPPORTED: 0x6e00,
  /** Technical problem (6Fxx). */
  INTERNAL: 0x6f00,
} as const;

/** The Ethereum app's class byte (ethapp.adoc) and the dashboard's (BOLOS "get app and version"). */
export const CLA_ETH = 0xe0;
export const CLA_BOLOS = 0xb0;

export const INS = {
  GET_ADDRESS: 0x02,
  SIGN_TX: 0x04,
  GET_APP_CONFIGURATION: 0x06,
  SIGN_PERSONAL_MESSAGE: 0x08,
  PROVIDE_ERC20: 0x0a,
  SIGN_EIP712: 0x0c,
  EIP712_STRUCT_DEF: 0x1a,
  EIP712_STRUCT_IMPL: 0x1c,
  EIP712_FILTERING: 0x1e,
  /** With CLA 0xB0: the running app's name and version. */
  GET_APP_AND_VERSION: 0x01,
} as const;
