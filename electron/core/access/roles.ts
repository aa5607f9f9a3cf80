/**
 * @module core/access/roles
 * The role table: what each role may do, as permissions, and which permission every facade
 * action needs. Pure data and one pure function; the facade asks, this answers.
 *
 * Roles are granted per namespace (or on "*", every namespace). A global Admin (only on "*")
 * may do everything. Separation of duties is deliberate: a KeyAdmin manages keys but cannot use
 * them, a KeyUser uses keys but cannot change them, an Auditor reads the audit log only.
 */

export const ROLES = ['Admin', 'NamespaceAdmin', 'KeyAdmin', 'KeyUser', 'Auditor'] as const;
export type Role = (typeof ROLES)[number];

/** Roles that make sense inside one namespace (Admin exists only on "*"). */
export const NAMESPACE_ROLES = ['NamespaceAdmin', 'KeyAdmin', 'KeyUser', 'Auditor'] as const satisfies readonly Role[];

export const ALL_NAMESPACES = '*';

export const PERMISSIONS = [
  /** Namespace settings (description, quota) and the grants inside it. */
  'namespace.manage',
  /** Create, import, rotate, disable, enable, delete, export keys; set key ACLs. */
  'key.manage',
  /** See key metadata and public keys. */
  'key.read',
  /** Sign, verify, encrypt, decrypt with keys (narrowed by a key's ACL). */
  'key.use',
  /** Read the audit log of the namespace. */
  'audit.read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Readonly<Record<Exclude<Role, 'Admin'>, readonly Permission[]>> = {
  NamespaceAdmin: ['namespace.manage', 'key.read'],
  KeyAdmin: ['key.manage', 'key.read'],
  KeyUser: ['key.use', 'key.read'],
  Auditor: ['audit.read'],
};

export interface Grant {
  readonly principal: string;
  readonly namespace: string;
  readonly role: Role;
  readonly createdAt: number;
  readonly createdBy: string;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isAdmin(grants: readonly Pick<Grant, 'namespace' | 'role'>[]): boolean {
  return grants.some((g) => g.role === 'Admin' && g.namespace === ALL_NAMESPACES);
}

/** Whether `grants` give `permission` in `namespace` (a namespace name, or "*" for "in all of them"). */
export function hasPermission(grants: readonly Pick<Grant, 'namespace' | 'role'>[], permission: Permission, namespace: string): boolean {
  for (const g of grants) {
    if (g.role === 'Admin') {
      if (g.namespace === ALL_NAMESPACES) return true;
      continue;
    }
    if (g.namespace !== ALL_NAMESPACES && g.namespace !== namespace) continue;
    if (ROLE_PERMISSIONS[g.role].includes(permission)) return true;
  }
  return false;
}

/** The namespaces in which `grants` give `permission`; "*" among them means every namespace. */
export function namespacesWith(grants: readonly Pick<Grant, 'namespace' | 'role'>[], permission: Permission): Set<string> {
  const out = new Set<string>();
  for (const g of grants) {
    if (g.role === 'Admin' || ROLE_PERMISSIONS[g.role].includes(permission)) out.add(g.namespace);
  }
  return out;
}
