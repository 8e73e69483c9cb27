const codedErrorBrand = Symbol.for('nanokube.error.CodedError');

/** A class in a CodedError hierarchy: its static `brand` names it for `instanceof`. */
interface BrandedClass {
  readonly brand: symbol;
}

/**
 * CodedError is the base of each package's one error class (ImageError, NetworkError, PkiError, ...):
 * callers branch on the stable `code` (`MK_ERR_<AREA>_<WHAT>`), never on message text. A subclass sets
 * `name`, narrows the code type and declares its own `static brand = Symbol.for('nanokube.error.<Name>')`.
 *
 * Instances carry their class's brand (and every ancestor's) as a property, and `instanceof` matches by
 * brand, so it survives duplicated installs of a package.
 */
export class CodedError<C extends string = string> extends Error {
  /** The brand `instanceof` looks for; every subclass declares its own. */
  static readonly brand: symbol = codedErrorBrand;
  override readonly name: string = 'CodedError';

  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    // Brand the instance with its class and each ancestor up to CodedError (the classes that declare one).
    for (let cls: object | null = new.target; cls !== null && Object.hasOwn(cls, 'brand'); cls = Object.getPrototypeOf(cls) as object | null) {
      Object.defineProperty(this, (cls as BrandedClass).brand, { value: true, enumerable: true, writable: false, configurable: true });
    }
  }

  /** Matches by brand so `instanceof` survives duplicated installs of the package. */
  static override [Symbol.hasInstance](this: BrandedClass, value: unknown): boolean {
    return typeof value === 'object' && value !== null && this.brand in value;
  }
}
