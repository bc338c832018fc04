import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { workspaceRoot } from '@portcullis/platform/testing';

export interface FieldProblem {
  /** JSON path of the field, as kubectl prints it: spec.template.spec.containers[0].name */
  path: string;
  message: string;
}

/**
 * The shape of one definition as the Kubernetes OpenAPI schema declares it. kubernetes-models
 * compiles its JSON schemas into validators and ships no schema text, but it emits every
 * definition as a TypeScript declaration: `properties` become interface members,
 * `additionalProperties` an index signature, a definition with neither (RawExtension, FieldsV1,
 * x-kubernetes-preserve-unknown-fields) an empty interface.
 */
type Shape =
  | { kind: 'closed'; fields: Map<string, () => Shape> }
  | { kind: 'map'; value: () => Shape }
  | { kind: 'array'; item: () => Shape }
  | { kind: 'open' }
  | { kind: 'quantity' }
  | { kind: 'scalar' };

const scalar: Shape = { kind: 'scalar' };
const open: Shape = { kind: 'open' };

// resource.Quantity's grammar (k8s.io/apimachinery/pkg/api/resource): kubernetes-models' own
// format check also accepts SI prefixes Kubernetes does not (h, da, c, …), which the API server
// rejects.
const quantityPattern = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

/**
 * Finds the fields a rendered object has that its Kubernetes definition does not declare, as
 * kube-apiserver's strict field validation (kubectl apply --validate=strict) does, and
 * quantities it would not parse. Types, formats, enums and required fields are left to the
 * compiled validators (ManifestSchema).
 */
export class DeclaredFields {
  private readonly packageDir = path.join(workspaceRoot, 'node_modules', 'kubernetes-models');
  private readonly files = new Map<string, ts.SourceFile>();
  private readonly shapes = new Map<string, Shape>();

  /**
   * The declaration file of a kind, if this release of the schemas has one: a definition whose
   * apiVersion and kind are these (DeploymentSpec has a file too, but is no kind).
   */
  declarationFile(group: string, version: string, kind: string): string | undefined {
    if (!/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$/.test(group) || !/^v\d+\w*$/.test(version) || !/^[A-Za-z0-9]+$/.test(kind)) return undefined;
    const file = path.join(this.packageDir, ...(group ? [group] : []), version, `${kind}.d.ts`);
    if (!existsSync(file)) return undefined;
    const declaration = this.source(file).statements.find((statement): statement is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(statement) && statement.name.text === `I${kind}`);
    const literal = (name: string) => {
      const member = declaration?.members.find((each) => ts.isPropertySignature(each) && ts.isStringLiteral(each.name) && each.name.text === name) as ts.PropertySignature | undefined;
      return member?.type && ts.isLiteralTypeNode(member.type) && ts.isStringLiteral(member.type.literal) ? member.type.literal.text : undefined;
    };
    return literal('apiVersion') === (group ? `${group}/${version}` : version) && literal('kind') === kind ? file : undefined;
  }

  check(group: string, version: string, kind: string, object: unknown): FieldProblem[] {
    const file = this.declarationFile(group, version, kind);
    if (!file) throw new Error(`kubernetes-models declares no ${group}/${version} ${kind}`);
    const problems: FieldProblem[] = [];
    this.walk(object, this.resolveName(file, `I${kind}`), '', problems);
    return problems;
  }

  private walk(value: unknown, shape: Shape, at: string, problems: FieldProblem[]): void {
    switch (shape.kind) {
      case 'closed':
        if (!isObject(value)) return;
        for (const [key, child] of Object.entries(value)) {
          const field = shape.fields.get(key);
          const fieldPath = at ? `${at}.${key}` : key;
          if (field) this.walk(child, field(), fieldPath, problems);
          else problems.push({ path: fieldPath, message: 'unknown field' });
        }
        return;
      case 'map':
        if (!isObject(value)) return;
        for (const [key, child] of Object.entries(value)) this.walk(child, shape.value(), `${at}.${key}`, problems);
        return;
      case 'array':
        if (!Array.isArray(value)) return;
        value.forEach((item, index) => this.walk(item, shape.item(), `${at}[${index}]`, problems));
        return;
      case 'quantity':
        if (typeof value === 'string' && !quantityPattern.test(value)) problems.push({ path: at, message: `"${value}" is not a quantity` });
        return;
      case 'open':
      case 'scalar':
        return;
    }
  }

  private source(file: string): ts.SourceFile {
    let source = this.files.get(file);
    if (!source) {
      source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022);
      this.files.set(file, source);
    }
    return source;
  }

  /** The shape of a type name as seen from a file: declared in it, exported under an alias, or imported. */
  private resolveName(file: string, name: string): Shape {
    const key = `${file}#${name}`;
    let shape = this.shapes.get(key);
    if (!shape) {
      shape = this.findName(file, name);
      this.shapes.set(key, shape);
    }
    return shape;
  }

  private findName(file: string, name: string): Shape {
    const source = this.source(file);
    for (const statement of source.statements) {
      if ((ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) && statement.name.text === name) {
        if (file.endsWith(path.join('api', 'resource', 'Quantity.d.ts'))) return { kind: 'quantity' };
        return this.declarationShape(file, statement);
      }
      if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
        const alias = statement.exportClause.elements.find((element) => element.name.text === name);
        if (alias?.propertyName) return this.resolveName(file, alias.propertyName.text);
      }
      if (ts.isImportDeclaration(statement) && statement.importClause?.namedBindings && ts.isNamedImports(statement.importClause.namedBindings)) {
        const imported = statement.importClause.namedBindings.elements.find((element) => element.name.text === name);
        if (imported) return this.resolveName(this.importedFile(file, (statement.moduleSpecifier as ts.StringLiteral).text), (imported.propertyName ?? imported.name).text);
      }
    }
    throw new Error(`${name} is not declared in ${file}`);
  }

  private declarationShape(file: string, declaration: ts.InterfaceDeclaration | ts.TypeAliasDeclaration): Shape {
    if (ts.isTypeAliasDeclaration(declaration)) return this.typeShape(file, declaration.type);
    // Every kind extends the package's TypeMeta, whose apiVersion and kind it declares again.
    for (const clause of declaration.heritageClauses ?? []) {
      for (const type of clause.types) {
        if (type.expression.getText(this.source(file)) !== 'TypeMeta') throw new Error(`${declaration.name.text} in ${file} extends an unexpected type`);
      }
    }
    return this.membersShape(file, declaration.members);
  }

  private membersShape(file: string, members: ts.NodeArray<ts.TypeElement>): Shape {
    const index = members.find(ts.isIndexSignatureDeclaration);
    const properties = members.filter(ts.isPropertySignature);
    if (index && properties.length === 0) return { kind: 'map', value: lazy(() => this.typeShape(file, index.type)) };
    if (index || properties.length === 0) return open;
    const fields = new Map<string, () => Shape>();
    for (const property of properties) {
      const name = ts.isStringLiteral(property.name) || ts.isIdentifier(property.name) ? property.name.text : undefined;
      if (name === undefined || !property.type) throw new Error(`unexpected member in ${file}`);
      const type = property.type;
      fields.set(name, lazy(() => this.typeShape(file, type)));
    }
    return { kind: 'closed', fields };
  }

  private typeShape(file: string, type: ts.TypeNode): Shape {
    if (ts.isArrayTypeNode(type)) return { kind: 'array', item: lazy(() => this.typeShape(file, type.elementType)) };
    if (ts.isTypeLiteralNode(type)) return this.membersShape(file, type.members);
    if (ts.isParenthesizedTypeNode(type)) return this.typeShape(file, type.type);
    if (ts.isTypeReferenceNode(type)) {
      const name = type.typeName.getText(this.source(file));
      const [item] = type.typeArguments ?? [];
      if (name === 'Array' && item) return { kind: 'array', item: lazy(() => this.typeShape(file, item)) };
      return this.resolveName(file, name);
    }
    if (ts.isUnionTypeNode(type)) {
      // Unions are of scalars: enums, and int-or-string; an object in one would need a oneOf walk.
      const shapes = type.types.map((member) => this.typeShape(file, member));
      if (shapes.every((shape) => shape.kind === 'scalar')) return scalar;
      throw new Error(`unexpected union ${type.getText(this.source(file))} in ${file}`);
    }
    if (ts.isLiteralTypeNode(type)) return scalar;
    switch (type.kind) {
      case ts.SyntaxKind.StringKeyword:
      case ts.SyntaxKind.NumberKeyword:
      case ts.SyntaxKind.BooleanKeyword:
        return scalar;
      case ts.SyntaxKind.AnyKeyword:
      case ts.SyntaxKind.UnknownKeyword:
      case ts.SyntaxKind.ObjectKeyword:
        return open;
      default:
        throw new Error(`unexpected type ${type.getText(this.source(file))} in ${file}`);
    }
  }

  /** Resolves an import the way the package's export map does: `./X.js` and `pkg/sub/path` name `.d.ts` files. */
  private importedFile(from: string, specifier: string): string {
    if (specifier.startsWith('.')) return path.resolve(path.dirname(from), specifier.replace(/\.js$/, '.d.ts'));
    const segments = specifier.split('/');
    const packageName = segments.slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
    const subpath = segments.slice(specifier.startsWith('@') ? 2 : 1);
    for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
      const packageDir = path.join(dir, 'node_modules', packageName);
      if (existsSync(packageDir)) return subpath.length ? path.join(packageDir, ...subpath) + '.d.ts' : path.join(packageDir, 'index.d.ts');
      if (dir === path.dirname(dir)) throw new Error(`cannot find ${specifier} from ${from}`);
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Definitions refer to each other in cycles (JSONSchemaProps); resolve each on first use.
function lazy(make: () => Shape): () => Shape {
  let shape: Shape | undefined;
  return () => (shape ??= make());
}
