/**
 * Key pairs as PEM strings, and their conversion into WebCrypto keys for @peculiar/x509.
 *
 * Keys are ECDSA P-256 (kubeadm's `--encryption-algorithm=ECDSA-P256`), written as SEC1
 * `EC PRIVATE KEY` blocks exactly as kubeadm writes them; Go's `tls.X509KeyPair` and kubectl accept
 * that form as well as PKCS#8 `PRIVATE KEY`. Loading accepts any PEM private key Node can parse
 * (EC, RSA, PKCS#8), so a CA made by kubeadm with RSA keys can be reused.
 */
import { createPrivateKey, createPublicKey, generateKeyPair as nodeGenerateKeyPair, webcrypto, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import * as x509 from '@peculiar/x509';
import { PkiError } from './errors.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

// @peculiar/x509 takes its WebCrypto implementation from this process-wide provider.
x509.cryptoProvider.set(webcrypto);

const generateKeyPairAsync = promisify(nodeGenerateKeyPair);

/** A private key and its public key, both PEM. */
export interface KeyPair {
  /** SEC1 `EC PRIVATE KEY` (or `RSA PRIVATE KEY` for RSA keys). */
  privateKeyPem: string;
  /** SubjectPublicKeyInfo, `PUBLIC KEY`. */
  publicKeyPem: string;
}

/** A service-account signing key pair and the JWS algorithm tokens signed with it use. */
export interface ServiceAccountKeyPair extends KeyPair {
  jwtAlgorithm: 'RS256';
}

/** generateKeyPair creates a new ECDSA P-256 key pair. */
export async function generateKeyPair(): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPairAsync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKeyPem: privateKey.export({ type: 'sec1', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * generateServiceAccountKeyPair creates the key pair that signs service-account tokens (kubeadm's
 * `sa.key`/`sa.pub`). Like kubeadm it is RSA 2048 (`RSA PRIVATE KEY` + `PUBLIC KEY`), so tokens are
 * RS256 JWTs, the algorithm every Kubernetes client and OIDC consumer expects.
 */
export async function generateServiceAccountKeyPair(): Promise<ServiceAccountKeyPair> {
  const { privateKey, publicKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    jwtAlgorithm: 'RS256',
  };
}

/** parsePrivateKey reads a PEM private key of any supported kind. */
export function parsePrivateKey(pem: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new PkiError('MK_ERR_PKI_INVALID_PEM', 'failed to parse private key', { cause: err });
  }
}

/** publicKeyPemOf derives the `PUBLIC KEY` PEM of a private key PEM. */
export function publicKeyPemOf(privateKeyPem: string): string {
  return createPublicKey(parsePrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
}

/** spkiDer returns the DER SubjectPublicKeyInfo of a public or private key. */
export function spkiDer(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' });
}

/** WebCrypto keys and signature algorithm for signing certificates and CSRs with one key. */
export interface SigningKeys {
  keys: CryptoKeyPair;
  signingAlgorithm: webcrypto.EcdsaParams | webcrypto.RsaHashedImportParams;
}

/** importSigningKeys turns a PEM private key into WebCrypto keys that sign with SHA-256. */
export async function importSigningKeys(privateKeyPem: string): Promise<SigningKeys> {
  const key = parsePrivateKey(privateKeyPem);
  const algorithm = importAlgorithm(key);
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const subtle = webcrypto.subtle;
  const privateKey = await subtle.importKey('pkcs8', pkcs8, algorithm, true, ['sign']);
  const publicKey = await subtle.importKey('spki', spkiDer(key), algorithm, true, ['verify']);
  const signingAlgorithm =
    algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  return { keys: { privateKey, publicKey } as CryptoKeyPair, signingAlgorithm };
}

/** importPublicKey turns a PEM public key into a WebCrypto key usable as a certificate's subject key. */
export async function importPublicKey(publicKeyPem: string): Promise<CryptoKey> {
  let key: KeyObject;
  try {
    key = createPublicKey(publicKeyPem);
  } catch (err) {
    throw new PkiError('MK_ERR_PKI_INVALID_PEM', 'failed to parse public key', { cause: err });
  }
  return webcrypto.subtle.importKey('spki', spkiDer(key), importAlgorithm(key), true, ['verify']) as Promise<CryptoKey>;
}

function importAlgorithm(key: KeyObject): webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      const namedCurve = curve === 'secp384r1' ? 'P-384' : curve === 'secp521r1' ? 'P-521' : 'P-256';
      if (curve !== undefined && !['prime256v1', 'secp384r1', 'secp521r1'].includes(curve)) {
        throw new PkiError('MK_ERR_PKI_INVALID_PEM', `unsupported EC curve ${curve}`);
      }
      return { name: 'ECDSA', namedCurve };
    }
    case 'rsa':
      return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    default:
      throw new PkiError('MK_ERR_PKI_INVALID_PEM', `unsupported key type ${String(key.asymmetricKeyType)}`);
  }
}
