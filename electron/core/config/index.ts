/**
 * @module core/config
 * The configuration module: `custos.yaml`, presets, `CUSTOS_<SECTION>__<KEY>` overrides, and the
 * mapping onto the core's settings. See ./load.ts for the rules and ./schema.ts for every key.
 */
export {
  configSchema,
  LOOPBACK_BINDS,
  NAMESPACE_NAME_PATTERN,
  PRESET_NAMES,
  SERVER_NAMES,
  type CustosConfig,
  type CustosConfigInput,
  type PresetName,
  type ServerName,
} from './schema.js';
export {
  CONFIG_FILE_NAME,
  coreSettingsFrom,
  effectiveConfigYaml,
  ENV_PREFIX,
  isSecretKey,
  loadConfig,
  PRESETS,
  type LoadConfigOptions,
  type LoadedConfig,
} from './load.js';
export { coreOptionsFrom, type CoreOptionsContext } from './core-options.js';
