// Log-safe views of credentials: the user name and server address stay, every secret field is
// replaced by a marker when set (an empty field stays empty, so logs still show what was sent).

import type { AuthConfig } from './keyring.js';

export const REDACTED = '<redacted>';

export interface AuthConfigFields {
  readonly username?: string;
  readonly password?: string;
  readonly auth?: string;
  readonly server_address?: string;
  readonly identity_token?: string;
  readonly registry_token?: string;
}

/** The same CRI shape, with every secret field replaced by the marker. */
export type RedactedAuthConfig = AuthConfig;

export function redactAuth(config: AuthConfigFields | undefined): RedactedAuthConfig | undefined {
  if (config === undefined) return undefined;
  const hide = (value: string | undefined): string => (value === undefined || value === '' ? '' : REDACTED);
  return {
    username: config.username ?? '',
    password: hide(config.password),
    auth: hide(config.auth),
    server_address: config.server_address ?? '',
    identity_token: hide(config.identity_token),
    registry_token: hide(config.registry_token),
  };
}
