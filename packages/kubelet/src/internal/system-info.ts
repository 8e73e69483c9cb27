/** Facts about the machine the kubelet reports in `status.nodeInfo`. */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { arch, release } from 'node:os';
import type { NodeSystemInfo } from '../nodestatus/node.js';

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** osImage is /etc/os-release's PRETTY_NAME (what `kubectl get nodes -o wide` shows as OS-IMAGE). */
export function osImage(): string {
  const text = readTrimmed('/etc/os-release') ?? '';
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text);
  return m?.[1] ?? 'Linux';
}

function uuidFrom(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * systemInfo reads the host's identity. Simulated nodes share the host's kernel and OS image but get a
 * machine id and system UUID of their own, derived from the node name so they are stable across restarts.
 */
export function systemInfo(opts: { nodeName: string; simulated: boolean }): Omit<NodeSystemInfo, 'containerRuntimeVersion' | 'kubeletVersion' | 'kubeProxyVersion'> {
  const derived = createHash('sha256').update(`nanokube-node:${opts.nodeName}`).digest('hex');
  const machineID = opts.simulated ? derived.slice(0, 32) : (readTrimmed('/etc/machine-id') ?? derived.slice(0, 32));
  const systemUUID = opts.simulated ? uuidFrom(derived.slice(32)) : (readTrimmed('/sys/class/dmi/id/product_uuid') ?? uuidFrom(machineID));
  return {
    machineID,
    systemUUID,
    bootID: opts.simulated ? randomUUID() : (readTrimmed('/proc/sys/kernel/random/boot_id') ?? randomUUID()),
    kernelVersion: release(),
    osImage: osImage(),
    operatingSystem: 'linux',
    architecture: arch() === 'x64' ? 'amd64' : arch() === 'arm64' ? 'arm64' : arch(),
  };
}
