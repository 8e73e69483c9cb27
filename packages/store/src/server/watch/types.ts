import type { ByteString, MvccEvent } from '../mvcc/types.js';

/** WatchCreateRequest is etcd's WatchCreateRequest with decoded keys. */
export interface WatchCreateRequest {
  key: ByteString;
  rangeEnd?: ByteString | undefined;
  /** First revision to deliver; 0 or absent means "from the next change". */
  startRevision?: number | undefined;
  progressNotify?: boolean | undefined;
  filters?: Array<'NOPUT' | 'NODELETE'> | undefined;
  prevKv?: boolean | undefined;
  /** Client-chosen watch ID; 0 or absent lets the stream assign one. */
  watchId?: number | undefined;
}

/**
 * WatchResponse is one message of a watch stream, transport-agnostic. `revision` 0 means the header
 * carries no revision (etcd's compacted response); `watchId` -1 marks a stream-level response.
 */
export interface WatchResponse {
  watchId: number;
  revision: number;
  created?: boolean;
  canceled?: boolean;
  cancelReason?: string;
  compactRevision?: number;
  events?: readonly MvccEvent[];
  /** Whether events carry their prev_kv (the watcher asked for it). */
  prevKv?: boolean;
}

/** WatchOutput is where a stream's responses go; write returns false once the consumer is behind. */
export interface WatchOutput {
  write(resp: WatchResponse): boolean;
}

/** duplicateWatchIdReason is etcd's cancel_reason for a watch ID already in use on the stream. */
export const duplicateWatchIdReason = 'mvcc: duplicate watch ID provided on the WatchStream';
