/**
 * Image references parsed and normalised as Docker (distribution/reference) does: `nginx` is
 * `docker.io/library/nginx:latest`, `index.docker.io` is `docker.io`, a first path component is a registry
 * host only when it has a `.` or `:`, is `localhost`, or has upper-case letters.
 */
import { ImageError } from './errors.js';

/** ImageReference is a parsed, normalised image reference. */
export interface ImageReference {
  /** Registry host with optional port: `docker.io`, `registry:5000`. */
  domain: string;
  /** Repository path inside the registry: `library/nginx`. */
  path: string;
  /** Tag; `latest` when the reference named neither a tag nor a digest. */
  tag?: string;
  /** `sha256:<hex>` when the reference pins a manifest digest. */
  digest?: string;
}

const defaultDomain = 'docker.io';
const legacyDefaultDomain = 'index.docker.io';
const maxNameLength = 255;

const pathComponent = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])`;
const domainPattern = `${host}(?::[0-9]+)?`;
const tagPattern = '[\\w][\\w.-]{0,127}';
const digestPattern = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}';
const referenceRe = new RegExp(
  `^((?:${domainPattern}/)?${pathComponent}(?:/${pathComponent})*)(?::(${tagPattern}))?(?:@(${digestPattern}))?$`,
);
const domainRe = new RegExp(`^${domainPattern}$`);
const hex64Re = /^[a-f0-9]{64}$/;
const sha256DigestRe = /^sha256:[a-f0-9]{64}$/;

function invalid(message: string): ImageError {
  return new ImageError('MK_ERR_IMAGE_INVALID_REFERENCE', message);
}

function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const i = name.indexOf('/');
  const first = i === -1 ? '' : name.slice(0, i);
  let domain = defaultDomain;
  let remainder = name;
  if (i !== -1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first)) {
    domain = first;
    remainder = name.slice(i + 1);
  }
  if (domain === legacyDefaultDomain) domain = defaultDomain;
  if (domain === defaultDomain && !remainder.includes('/')) remainder = `library/${remainder}`;
  return { domain, remainder };
}

/**
 * parseImageReference parses s as Docker's `ParseNormalizedNamed` followed by `TagNameOnly`: the result is
 * fully qualified and carries `latest` when s named neither a tag nor a digest. Bad input is an
 * {@link ImageError} (`MK_ERR_IMAGE_INVALID_REFERENCE`) with Docker's message.
 */
export function parseImageReference(s: string): ImageReference {
  if (hex64Re.test(s)) {
    throw invalid(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  if (s === '') throw invalid('invalid reference format');
  const { domain, remainder } = splitDockerDomain(s);
  const colon = remainder.indexOf(':');
  const remoteName = colon === -1 ? remainder : remainder.slice(0, colon);
  if (remoteName.toLowerCase() !== remoteName) {
    throw invalid(`invalid reference format: repository name (${remoteName}) must be lowercase`);
  }
  const m = referenceRe.exec(`${domain}/${remainder}`);
  if (!m || !domainRe.test(domain)) throw invalid('invalid reference format');
  const name = m[1] ?? '';
  if (name.length > maxNameLength) {
    throw invalid(`invalid reference format: repository name must not be more than ${maxNameLength} characters`);
  }
  const digest = m[3];
  if (digest !== undefined && !sha256DigestRe.test(digest)) {
    throw invalid(`invalid reference format: unsupported digest "${digest}"`);
  }
  const path = name.slice(domain.length + 1);
  const tag = m[2] ?? (digest === undefined ? 'latest' : undefined);
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** repositoryName is `domain/path`: `docker.io/library/nginx`. */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** referenceString renders ref fully qualified: `docker.io/library/nginx:1.14`, `r:5000/x@sha256:...`. */
export function referenceString(ref: ImageReference): string {
  return `${repositoryName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}

/** tagString is `repository:tag`, or undefined when ref has no tag. */
export function tagString(ref: ImageReference): string | undefined {
  return ref.tag === undefined ? undefined : `${repositoryName(ref)}:${ref.tag}`;
}

/** digestString is `repository@digest` (a repoDigest), for a manifest digest. */
export function digestString(ref: ImageReference, manifestDigest: string): string {
  return `${repositoryName(ref)}@${manifestDigest}`;
}

/**
 * familiarString shortens a normalised reference as `docker images` shows it: `docker.io/library/nginx:1.14`
 * is `nginx:1.14`, `docker.io/bitnami/redis:7` is `bitnami/redis:7`.
 */
export function familiarString(normalised: string): string {
  if (!normalised.startsWith(`${defaultDomain}/`)) return normalised;
  const rest = normalised.slice(defaultDomain.length + 1);
  return rest.startsWith('library/') && !rest.slice('library/'.length).includes('/') ? rest.slice('library/'.length) : rest;
}
