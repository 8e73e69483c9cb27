import { CodedError } from '@nanokube/component-base';

/**
 * NetworkError is the one error class of the pod network. Callers branch on `code`, never on text.
 *
 * | code                         | meaning                                                        |
 * | ---------------------------- | -------------------------------------------------------------- |
 * | MK_ERR_NET_INVALID_ADDRESS   | an IPv4 address or CIDR does not parse                         |
 * | MK_ERR_NET_RANGE_EXHAUSTED   | every address of the node's pod CIDR is allocated              |
 * | MK_ERR_NET_NO_POD_CIDR       | the node has no pod CIDR yet (node IPAM has not assigned one)  |
 * | MK_ERR_NET_COMMAND_FAILED    | an `ip`, `iptables` or `sysctl` command failed                 |
 */
export type NetworkErrorCode =
  | 'MK_ERR_NET_INVALID_ADDRESS'
  | 'MK_ERR_NET_RANGE_EXHAUSTED'
  | 'MK_ERR_NET_NO_POD_CIDR'
  | 'MK_ERR_NET_COMMAND_FAILED';

/** NetworkError reports a pod network problem with a stable {@link NetworkErrorCode}. */
export class NetworkError extends CodedError<NetworkErrorCode> {
  static override readonly brand: symbol = Symbol.for('nanokube.error.NetworkError');
  override readonly name = 'NetworkError';
}

/** isNetworkError reports whether err is a {@link NetworkError}, optionally with the given code. */
export function isNetworkError(err: unknown, code?: NetworkErrorCode): err is NetworkError {
  return err instanceof NetworkError && (code === undefined || err.code === code);
}
