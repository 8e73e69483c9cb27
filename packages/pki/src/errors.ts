import { CodedError } from '@nanokube/component-base';

/**
 * PkiError is the one error class of the pki package. Callers branch on `code`, never on message text.
 *
 * | code                          | meaning                                                          |
 * | ----------------------------- | ---------------------------------------------------------------- |
 * | MK_ERR_PKI_INVALID_PEM        | a PEM block is missing, of the wrong type, or does not parse     |
 * | MK_ERR_PKI_INVALID_CA         | a CA certificate/key pair is unusable (not a CA, key mismatch)   |
 * | MK_ERR_PKI_VERIFY_FAILED      | a certificate does not verify against a CA, or is out of date    |
 * | MK_ERR_PKI_INVALID_CSR        | a CSR does not parse or its signature is wrong                   |
 * | MK_ERR_PKI_INVALID_KUBECONFIG | a kubeconfig lacks the named context, cluster or user            |
 */
export type PkiErrorCode =
  | 'MK_ERR_PKI_INVALID_PEM'
  | 'MK_ERR_PKI_INVALID_CA'
  | 'MK_ERR_PKI_VERIFY_FAILED'
  | 'MK_ERR_PKI_INVALID_CSR'
  | 'MK_ERR_PKI_INVALID_KUBECONFIG';

/** PkiError reports a certificate, key or kubeconfig problem with a stable {@link PkiErrorCode}. */
export class PkiError extends CodedError<PkiErrorCode> {
  static override readonly brand: symbol = Symbol.for('nanokube.error.PkiError');
  override readonly name = 'PkiError';
}

/** isPkiError reports whether err is a {@link PkiError}, optionally with the given code. */
export function isPkiError(err: unknown, code?: PkiErrorCode): err is PkiError {
  return err instanceof PkiError && (code === undefined || err.code === code);
}
