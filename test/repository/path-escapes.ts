import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

/**
 * Finds the places in a source file that point outside the repository, so the repository stays
 * self-contained (a clone must run its tests with nothing beside it). Static, with the
 * TypeScript parser:
 *
 * - path expressions are evaluated where their parts are known: string literals,
 *   `import.meta.url`, `__dirname`, `process.cwd()` (the repository root, where tests and
 *   scripts run), `fileURLToPath`, `pathToFileURL`, `dirname`, `resolve`, `join`, `normalize`,
 *   `new URL(x, base)` and `.pathname`, template literals, and constants, including constants
 *   imported from other files of the repository. A known path outside the root is reported;
 * - module specifiers (`import`, `export ... from`, `import()`, `require`) that leave the root;
 * - string literals naming a machine's home or workshop folders (`/work/...`, `/home/...`), or
 *   the workshop's `../shared` folder, whatever code uses them.
 *
 * A path built from something unknown (a function parameter, `os.tmpdir()`, an environment
 * variable) is not judged: it comes from the user or the machine, not from the repository.
 */
export interface PathEscape {
  file: string;
  line: number;
  /** The source text that points outside. */
  text: string;
  /** Where it points, when known. */
  target?: string;
}

type Value = { kind: 'path'; value: string } | { kind: 'url'; value: string } | { kind: 'text'; value: string };

const PATH_MODULES = new Set(['node:path', 'path', 'node:path/posix', 'node:url', 'url']);
const HOST_FOLDERS = /^(?:\/(?:work|home|Users|root|mnt|srv|opt|media)\/|[A-Za-z]:\\)/;
const WORKSHOP_FOLDER = /(?:^|\/)\.\.\/shared(?:\/|$)|(?:^|\/)shared\/(?:ocean-corpus|reference|design)\b/;

/** Reads and analyses modules of one repository, caching each file's exported constants. */
export function createPathEscapeFinder(repoRoot: string): (file: string) => PathEscape[] {
  const root = path.resolve(repoRoot);
  const modules = new Map<string, ModuleScope>();

  const inside = (target: string): boolean => {
    const relative = path.relative(root, target);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  };

  function scopeOf(file: string): ModuleScope | undefined {
    const known = modules.get(file);
    if (known) return known;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    const scope = new ModuleScope(file, text, root, scopeOf);
    modules.set(file, scope);
    return scope;
  }

  return (file: string): PathEscape[] => {
    const scope = scopeOf(path.resolve(file));
    if (!scope) return [];
    const escapes: PathEscape[] = [];
    const report = (node: ts.Node, target?: string): void => {
      const line = scope.source.getLineAndCharacterOfPosition(node.getStart(scope.source)).line + 1;
      if (escapes.some((escape) => escape.line === line)) return; // one report per line: the outermost expression
      escapes.push({ file, line, text: node.getText(scope.source), ...(target === undefined ? {} : { target }) });
    };
    const visit = (node: ts.Node): void => {
      const specifier = moduleSpecifier(node);
      if (specifier !== undefined && specifier.startsWith('.')) {
        const target = path.resolve(path.dirname(scope.file), specifier);
        if (!inside(target)) report(node, target);
      }
      if (ts.isStringLiteralLike(node) && (HOST_FOLDERS.test(node.text) || WORKSHOP_FOLDER.test(node.text))) report(node);
      if (ts.isCallExpression(node) || ts.isNewExpression(node) || ts.isTemplateExpression(node) || ts.isPropertyAccessExpression(node)) {
        const value = scope.evaluate(node);
        const target = value && absoluteTarget(value);
        if (target !== undefined && !inside(target)) report(node, target);
      }
      ts.forEachChild(node, visit);
    };
    visit(scope.source);
    return escapes;
  };
}

function absoluteTarget(value: Value): string | undefined {
  if (value.kind === 'path') return value.value;
  if (value.kind === 'url' && value.value.startsWith('file:')) return fileURLToPath(value.value);
  return undefined;
}

function moduleSpecifier(node: ts.Node): string | undefined {
  if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
    return node.moduleSpecifier.text;
  }
  if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0]!)) {
    const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
    const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
    if (isImport || isRequire) return node.arguments[0].text;
  }
  return undefined;
}

/** One module's constants and how to evaluate its expressions. */
class ModuleScope {
  readonly source: ts.SourceFile;
  private readonly declarations = new Map<string, ts.Expression | null>();
  private readonly imports = new Map<string, { from: string; name: string }>();
  /** Local names of node:path and node:url functions (`resolve`, `join`, `fileURLToPath`...). */
  private readonly pathFunctions = new Map<string, string>();
  /** Local names of the node:path module itself (`import path from 'node:path'`). */
  private readonly pathModules = new Set<string>();
  private readonly values = new Map<string, Value | undefined>();
  private readonly evaluating = new Set<string>();

  constructor(
    readonly file: string,
    text: string,
    private readonly root: string,
    private readonly scopeOf: (file: string) => ModuleScope | undefined,
  ) {
    this.source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    this.collect(this.source);
  }

  /** Names declared more than once (shadowing, reassignment) are unknown: `null`. */
  private collect(node: ts.Node): void {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) {
      const name = node.name.text;
      const constant = (node.parent.flags & ts.NodeFlags.Const) !== 0 && node.initializer !== undefined;
      this.declarations.set(name, this.declarations.has(name) || !constant ? null : node.initializer!);
    }
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const from = node.moduleSpecifier.text;
      const bindings = node.importClause?.namedBindings;
      const named = bindings && ts.isNamedImports(bindings) ? bindings.elements : [];
      if (from.startsWith('.')) {
        for (const element of named) this.imports.set(element.name.text, { from, name: (element.propertyName ?? element.name).text });
      } else if (PATH_MODULES.has(from)) {
        for (const element of named) this.pathFunctions.set(element.name.text, (element.propertyName ?? element.name).text);
        if (node.importClause?.name) this.pathModules.add(node.importClause.name.text);
        if (bindings && ts.isNamespaceImport(bindings)) this.pathModules.add(bindings.name.text);
      }
    }
    ts.forEachChild(node, (child) => this.collect(child));
  }

  /** The value of an exported (or any top-level) constant of this module. */
  constant(name: string): Value | undefined {
    if (this.values.has(name)) return this.values.get(name);
    if (this.evaluating.has(name)) return undefined;
    this.evaluating.add(name);
    let value: Value | undefined;
    const declaration = this.declarations.get(name);
    if (declaration) value = this.evaluate(declaration);
    else if (declaration === undefined && this.imports.has(name)) value = this.imported(this.imports.get(name)!);
    this.evaluating.delete(name);
    this.values.set(name, value);
    return value;
  }

  private imported({ from, name }: { from: string; name: string }): Value | undefined {
    const base = path.resolve(path.dirname(this.file), from);
    const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, path.join(base, 'index.ts')];
    for (const candidate of candidates) {
      const scope = candidate.startsWith(this.root) ? this.scopeOf(candidate) : undefined;
      if (scope) return scope.constant(name);
    }
    return undefined;
  }

  evaluate(node: ts.Expression | ts.Node): Value | undefined {
    if (ts.isParenthesizedExpression(node) || ts.isAsExpression(node) || ts.isNonNullExpression(node) || ts.isSatisfiesExpression(node)) {
      return this.evaluate(node.expression);
    }
    if (ts.isStringLiteralLike(node)) return { kind: 'text', value: node.text };
    if (ts.isIdentifier(node)) {
      if (node.text === '__dirname') return { kind: 'path', value: path.dirname(this.file) };
      if (node.text === '__filename') return { kind: 'path', value: this.file };
      return this.constant(node.text);
    }
    if (ts.isTemplateExpression(node)) return this.template(node);
    if (ts.isPropertyAccessExpression(node)) return this.property(node);
    if (ts.isCallExpression(node)) return this.call(node);
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'URL') return this.url(node.arguments ?? []);
    return undefined;
  }

  private template(node: ts.TemplateExpression): Value | undefined {
    let text = node.head.text;
    for (const span of node.templateSpans) {
      const part = this.evaluate(span.expression);
      if (!part) return undefined;
      text += part.value + span.literal.text;
    }
    return path.isAbsolute(text) ? { kind: 'path', value: text } : { kind: 'text', value: text };
  }

  private property(node: ts.PropertyAccessExpression): Value | undefined {
    const name = node.name.text;
    if (ts.isMetaProperty(node.expression)) {
      if (name === 'url') return { kind: 'url', value: pathToFileURL(this.file).href };
      if (name === 'dirname') return { kind: 'path', value: path.dirname(this.file) };
      if (name === 'filename') return { kind: 'path', value: this.file };
      return undefined;
    }
    const target = this.evaluate(node.expression);
    if (target?.kind === 'url' && target.value.startsWith('file:')) {
      if (name === 'pathname') return { kind: 'path', value: fileURLToPath(target.value) };
      if (name === 'href') return target;
    }
    return undefined;
  }

  private call(node: ts.CallExpression): Value | undefined {
    const expression = node.expression;
    if (ts.isPropertyAccessExpression(expression) && expression.name.text === 'cwd' && expression.expression.getText(this.source) === 'process') {
      return { kind: 'path', value: this.root };
    }
    // Only node:path's and node:url's functions: a promise's `resolve('..')` is not a path.
    const callee = ts.isIdentifier(expression)
      ? this.pathFunctions.get(expression.text)
      : ts.isPropertyAccessExpression(expression) && ts.isIdentifier(expression.expression) && this.pathModules.has(expression.expression.text)
        ? expression.name.text
        : undefined;
    const args = node.arguments.map((argument) => this.evaluate(argument));
    const known = args.every((arg) => arg !== undefined) ? (args as Value[]) : undefined;
    if (!known || known.length === 0) return undefined;
    const first = known[0]!;
    switch (callee) {
      case 'fileURLToPath':
        return first.kind === 'url' && first.value.startsWith('file:') ? { kind: 'path', value: fileURLToPath(first.value) } : undefined;
      case 'pathToFileURL':
        return first.kind === 'path' ? { kind: 'url', value: pathToFileURL(first.value).href } : undefined;
      case 'dirname':
        return first.kind === 'path' ? { kind: 'path', value: path.dirname(first.value) } : undefined;
      case 'normalize':
        return first.kind === 'url' ? undefined : { kind: first.kind, value: path.normalize(first.value) };
      case 'resolve':
        if (known.some((arg) => arg.kind === 'url')) return undefined;
        return { kind: 'path', value: path.resolve(this.root, ...known.map((arg) => arg.value)) };
      case 'join':
        if (known.some((arg) => arg.kind === 'url')) return undefined;
        return { kind: first.kind === 'path' ? 'path' : 'text', value: path.join(...known.map((arg) => arg.value)) };
      default:
        return undefined;
    }
  }

  private url(argumentNodes: readonly ts.Expression[]): Value | undefined {
    const [input, base] = argumentNodes.map((argument) => this.evaluate(argument));
    if (!input) return undefined;
    try {
      if (base === undefined) return argumentNodes.length === 1 ? { kind: 'url', value: new URL(input.value).href } : undefined;
      const baseHref = base.kind === 'path' ? pathToFileURL(base.value).href : base.value;
      return { kind: 'url', value: new URL(input.value, baseHref).href };
    } catch {
      return undefined;
    }
  }
}
