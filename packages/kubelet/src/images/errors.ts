import { CodedError } from '@nanokube/component-base';

/**
 * ImageError is the one error class of the image subsystem. Callers branch on `code`, never on message
 * text. Messages follow containerd's wording (`failed to pull and unpack image "...": ...`) because the
 * kubelet shows them to users in events and container statuses.
 *
 * | code                            | meaning                                                             |
 * | ------------------------------- | ------------------------------------------------------------------- |
 * | MK_ERR_IMAGE_INVALID_REFERENCE  | the image reference does not parse (Docker's grammar)               |
 * | MK_ERR_IMAGE_NOT_FOUND          | the registry has no such repository, tag or manifest                |
 * | MK_ERR_IMAGE_UNAUTHORIZED       | the registry refused access (401/403 after token auth)              |
 * | MK_ERR_IMAGE_REGISTRY           | the registry failed or could not be reached                         |
 * | MK_ERR_IMAGE_DIGEST_MISMATCH    | a manifest, blob or layer did not hash to its digest                |
 * | MK_ERR_IMAGE_NO_PLATFORM        | an image index has no manifest for the node's platform              |
 * | MK_ERR_IMAGE_UNSUPPORTED        | a media type or layer compression this store cannot handle          |
 * | MK_ERR_IMAGE_INVALID_ARCHIVE    | an image tarball or layer is malformed or unsafe (path escapes)     |
 * | MK_ERR_IMAGE_NOT_PRESENT        | no local image matches the reference or id                          |
 * | MK_ERR_IMAGE_IN_USE             | the image backs a prepared container root filesystem                |
 * | MK_ERR_IMAGE_MOUNT              | mounting or unmounting a container root filesystem failed           |
 */
export type ImageErrorCode =
  | 'MK_ERR_IMAGE_INVALID_REFERENCE'
  | 'MK_ERR_IMAGE_NOT_FOUND'
  | 'MK_ERR_IMAGE_UNAUTHORIZED'
  | 'MK_ERR_IMAGE_REGISTRY'
  | 'MK_ERR_IMAGE_DIGEST_MISMATCH'
  | 'MK_ERR_IMAGE_NO_PLATFORM'
  | 'MK_ERR_IMAGE_UNSUPPORTED'
  | 'MK_ERR_IMAGE_INVALID_ARCHIVE'
  | 'MK_ERR_IMAGE_NOT_PRESENT'
  | 'MK_ERR_IMAGE_IN_USE'
  | 'MK_ERR_IMAGE_MOUNT';

/** ImageError reports an image problem with a stable {@link ImageErrorCode}. */
export class ImageError extends CodedError<ImageErrorCode> {
  static override readonly brand: symbol = Symbol.for('nanokube.error.ImageError');
  override readonly name = 'ImageError';
}

/** isImageError reports whether err is an {@link ImageError}, optionally with the given code. */
export function isImageError(err: unknown, code?: ImageErrorCode): err is ImageError {
  return err instanceof ImageError && (code === undefined || err.code === code);
}

/**
 * grpcCodeOf names the CRI (gRPC) status code containerd would answer for err: `NotFound` for a missing
 * tag or repository, `Unknown` for everything else, as the kubelet's `rpc error: code = ...` text shows.
 */
export function grpcCodeOf(err: unknown): 'NotFound' | 'Unknown' {
  return isImageError(err, 'MK_ERR_IMAGE_NOT_FOUND') ? 'NotFound' : 'Unknown';
}
