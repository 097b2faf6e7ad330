// Typed errors of the registry-auth adapter. Messages name the secret (namespace/name) and what
// was wrong with it, never a value from it: no registry key, user name, password or token.

export type RegistryAuthErrorType = 'registryAuth.badSecret' | 'registryAuth.badImageReference' | 'registryAuth.allCredentialsFailed';

export type BadSecretReason =
  | 'badBase64' // a Secret data value is not base64
  | 'badJson' // the decoded document is not JSON
  | 'badShape' // JSON, but not the docker config shape (e.g. a field of the wrong type)
  | 'badAuthField'; // an entry's `auth` is not base64(`user:password`)

export class RegistryAuthError extends Error {
  override readonly name = 'RegistryAuthError';
  constructor(
    readonly type: RegistryAuthErrorType,
    message: string,
  ) {
    super(message);
  }
}

export class BadPullSecretError extends RegistryAuthError {
  constructor(
    /** `namespace/name` of the Secret. */
    readonly secret: string,
    readonly secretType: string,
    readonly reason: BadSecretReason,
    detail: string,
  ) {
    super('registryAuth.badSecret', `pull secret ${secret} (${secretType}) is invalid: ${detail}`);
  }
}

export class ImageReferenceError extends RegistryAuthError {
  constructor(
    readonly image: string,
    detail: string,
  ) {
    super('registryAuth.badImageReference', `image reference ${JSON.stringify(image)} is invalid: ${detail}`);
  }
}
