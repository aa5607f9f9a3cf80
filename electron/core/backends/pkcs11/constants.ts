/**
 * @module core/backends/pkcs11/constants
 * The PKCS#11 numbers this backend speaks, written out from the specification (v2.40 base
 * specification §3–§4 and the current mechanisms document; EdDSA from v3.0 §2.3.5–§2.3.6) rather
 * than read from pkcs11js: the native module loads lazily (only when a token is configured), and
 * pkcs11js 2.1.7 has no names for the v3.0 Edwards mechanisms anyway.
 */

// Classes (CKO_*) and key types (CKK_*), v2.40 §4.1 / §4.4 tables; CKK_EC_EDWARDS is v3.0.
export const CKO_PUBLIC_KEY = 2;
export const CKO_PRIVATE_KEY = 3;
export const CKO_SECRET_KEY = 4;
export const CKK_RSA = 0x0;
export const CKK_EC = 0x3;
export const CKK_AES = 0x1f;
export const CKK_EC_EDWARDS = 0x40;

// Attributes (CKA_*).
export const CKA_CLASS = 0x0;
export const CKA_TOKEN = 0x1;
export const CKA_PRIVATE = 0x2;
export const CKA_LABEL = 0x3;
export const CKA_VALUE = 0x11;
export const CKA_KEY_TYPE = 0x100;
export const CKA_ID = 0x102;
export const CKA_SENSITIVE = 0x103;
export const CKA_ENCRYPT = 0x104;
export const CKA_DECRYPT = 0x105;
export const CKA_WRAP = 0x106;
export const CKA_UNWRAP = 0x107;
export const CKA_SIGN = 0x108;
export const CKA_VERIFY = 0x10a;
export const CKA_DERIVE = 0x10c;
export const CKA_MODULUS = 0x120;
export const CKA_MODULUS_BITS = 0x121;
export const CKA_PUBLIC_EXPONENT = 0x122;
export const CKA_VALUE_LEN = 0x161;
export const CKA_EXTRACTABLE = 0x162;
export const CKA_NEVER_EXTRACTABLE = 0x164;
export const CKA_ALWAYS_SENSITIVE = 0x165;
export const CKA_EC_PARAMS = 0x180;
export const CKA_EC_POINT = 0x181;

// Mechanisms (CKM_*).
export const CKM_RSA_PKCS_KEY_PAIR_GEN = 0x0;
export const CKM_RSA_PKCS = 0x1;
export const CKM_RSA_PKCS_PSS = 0xd;
export const CKM_SHA256_RSA_PKCS = 0x40;
export const CKM_SHA384_RSA_PKCS = 0x41;
export const CKM_SHA512_RSA_PKCS = 0x42;
export const CKM_SHA256_RSA_PKCS_PSS = 0x43;
export const CKM_SHA384_RSA_PKCS_PSS = 0x44;
export const CKM_SHA512_RSA_PKCS_PSS = 0x45;
export const CKM_SHA256 = 0x250;
export const CKM_SHA384 = 0x260;
export const CKM_SHA512 = 0x270;
export const CKM_EC_KEY_PAIR_GEN = 0x1040;
export const CKM_ECDSA = 0x1041;
/** PKCS#11 v3.0 §2.3.5: Ed25519/Ed448 key pairs. */
export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
/** PKCS#11 v3.0 §2.3.6: pure EdDSA over the whole message (no parameter = Ed25519, RFC 8032 §5.1). */
export const CKM_EDDSA = 0x1057;
export const CKM_AES_KEY_GEN = 0x1080;
export const CKM_AES_GCM = 0x1087;

// MGF1 variants for RSA-PSS (CKG_*).
export const CKG_MGF1_SHA256 = 0x2;
export const CKG_MGF1_SHA384 = 0x3;
export const CKG_MGF1_SHA512 = 0x4;

// Users, sessions, slot and token flags.
export const CKU_USER = 1;
export const CKF_RW_SESSION = 0x2;
export const CKF_SERIAL_SESSION = 0x4;
export const CKF_OS_LOCKING_OK = 0x2;
export const CKF_TOKEN_PRESENT = 0x1;
export const CKF_REMOVABLE_DEVICE = 0x2;
export const CKF_WRITE_PROTECTED = 0x2;
export const CKF_LOGIN_REQUIRED = 0x4;
export const CKF_USER_PIN_INITIALIZED = 0x8;
export const CKF_PROTECTED_AUTHENTICATION_PATH = 0x100;
export const CKF_TOKEN_INITIALIZED = 0x400;
export const CKF_USER_PIN_COUNT_LOW = 0x10000;
export const CKF_USER_PIN_FINAL_TRY = 0x20000;
export const CKF_USER_PIN_LOCKED = 0x40000;
/** Session states (CKS_*): the user functions states mean the user is logged in. */
export const CKS_RO_USER_FUNCTIONS = 1;
export const CKS_RW_USER_FUNCTIONS = 3;
