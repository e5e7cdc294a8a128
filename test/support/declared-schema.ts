// What src/store/schema.ts declares, read at run time with the TypeScript compiler: the tables of an interface such as
// Database and, for each, its columns and whether each may be null. The declarations stay plain types (one source);
// the type checker resolves aliases, `extends`, Omit<> and Kysely's Generated<> as tsc does.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** table → column → whether the column may be null */
export type DeclaredTables = Record<string, Record<string, { nullable: boolean }>>;

export const schema_file = fileURLToPath(new URL('../../src/store/schema.ts', import.meta.url));

/** The tables of each named interface exported by `file` (an interface whose properties are table types). */
export function declaredTables(file: string, interfaces: readonly string[]): Record<string, DeclaredTables> {
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  // A type that did not resolve (a missing import) would read as `any` and hide every column: refuse to answer instead.
  const source = program.getSourceFile(file);
  if (source === undefined) throw new Error(`${file} not found`);
  const errors = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
  if (errors.length > 0)
    throw new Error(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => '.', getNewLine: () => '\n' }));
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(source);
  if (module === undefined) throw new Error(`${file} is not a module`);
  const exports = new Map(checker.getExportsOfModule(module).map((s) => [s.name, s]));
  const out: Record<string, DeclaredTables> = {};
  for (const name of interfaces) {
    const symbol = exports.get(name);
    if (symbol === undefined) throw new Error(`${file} exports no ${name}`);
    const tables: DeclaredTables = {};
    for (const table of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol))) {
      const columns: Record<string, { nullable: boolean }> = {};
      for (const column of checker.getPropertiesOfType(checker.getTypeOfSymbol(table))) {
        const where = `${name}.${table.name}.${column.name}`;
        if ((column.flags & ts.SymbolFlags.Optional) !== 0) throw new Error(`${where} is optional: a column is always there (null, not absent)`);
        const type = selectType(checker, checker.getTypeOfSymbol(column));
        if ((type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) !== 0) throw new Error(`${where} has no column type`);
        columns[column.name] = { nullable: includesNull(type) };
      }
      tables[table.name] = columns;
    }
    out[name] = tables;
  }
  return out;
}

/** What a select reads: Kysely's ColumnType<S, I, U> (and so Generated<S>) carries it as `__select__`. */
function selectType(checker: ts.TypeChecker, type: ts.Type): ts.Type {
  const select = type.getProperty('__select__');
  return select === undefined ? type : checker.getTypeOfSymbol(select);
}

function includesNull(type: ts.Type): boolean {
  return type.isUnion() ? type.types.some((t) => (t.flags & ts.TypeFlags.Null) !== 0) : (type.flags & ts.TypeFlags.Null) !== 0;
}
