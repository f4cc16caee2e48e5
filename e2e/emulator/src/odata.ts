/**
 * A small OData `$filter` parser and evaluator covering what the product sends to Graph, Global Discovery and
 * Dataverse: `eq ne gt ge lt le`, `in (...)`, `and or not`, parentheses, `startswith()`, `contains()`, lambdas
 * `tags/any(t:t eq 'x')`, string/number/boolean/null/GUID literals.
 */
export type Literal = string | number | boolean | null;

export type Expr =
  | { kind: 'cmp'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; path: string; value: Literal }
  | { kind: 'in'; path: string; values: Literal[] }
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr }
  | { kind: 'func'; name: 'startswith' | 'endswith' | 'contains'; path: string; value: string }
  | { kind: 'any'; path: string; variable: string; body: Expr };

export class FilterError extends Error {}

type Token = { t: 'str' | 'word' | 'punct'; v: string };

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= input.length) throw new FilterError('Unterminated string literal.');
        if (input[i] === "'") {
          if (input[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += input[i];
        i++;
      }
      out.push({ t: 'str', v: s });
    } else if ('(),:'.includes(c)) {
      out.push({ t: 'punct', v: c });
      i++;
    } else {
      let w = '';
      while (i < input.length && !/[\s(),:']/.test(input[i] ?? '')) w += input[i++];
      out.push({ t: 'word', v: w });
    }
  }
  return out;
}

export function parseFilter(input: string): Expr {
  const tokens = tokenize(input);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => {
    const t = tokens[pos++];
    if (!t) throw new FilterError('Unexpected end of filter.');
    return t;
  };
  const expect = (v: string) => {
    const t = next();
    if (t.v !== v) throw new FilterError(`Expected '${v}' but found '${t.v}'.`);
  };
  const literal = (): Literal => {
    const t = next();
    if (t.t === 'str') return t.v;
    if (t.t !== 'word') throw new FilterError(`Unexpected '${t.v}'.`);
    if (t.v === 'null') return null;
    if (t.v === 'true') return true;
    if (t.v === 'false') return false;
    if (/^-?\d+(\.\d+)?$/.test(t.v)) return Number(t.v);
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(t.v)) return t.v.toLowerCase();
    if (/^\d{4}-\d{2}-\d{2}/.test(t.v)) return t.v;
    throw new FilterError(`Invalid literal '${t.v}'.`);
  };
  const primary = (): Expr => {
    const t = next();
    if (t.v === '(') {
      const e = orExpr();
      expect(')');
      return e;
    }
    if (t.t !== 'word') throw new FilterError(`Unexpected '${t.v}'.`);
    if (t.v === 'not') return { kind: 'not', expr: primary() };
    const lower = t.v.toLowerCase();
    if ((lower === 'startswith' || lower === 'endswith' || lower === 'contains') && peek()?.v === '(') {
      expect('(');
      const path = next().v;
      expect(',');
      const value = literal();
      expect(')');
      return { kind: 'func', name: lower, path, value: String(value) };
    }
    const anyMatch = /^(.+)\/(any|all)$/i.exec(t.v);
    if (anyMatch && peek()?.v === '(') {
      expect('(');
      const variable = next().v;
      expect(':');
      const body = orExpr();
      expect(')');
      return { kind: 'any', path: anyMatch[1] ?? '', variable, body };
    }
    const op = next().v.toLowerCase();
    if (op === 'in') {
      expect('(');
      const values: Literal[] = [literal()];
      while (peek()?.v === ',') {
        next();
        values.push(literal());
      }
      expect(')');
      return { kind: 'in', path: t.v, values };
    }
    if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(op))
      throw new FilterError(`Unsupported operator '${op}'.`);
    return { kind: 'cmp', op: op as 'eq', path: t.v, value: literal() };
  };
  const andExpr = (): Expr => {
    let left = primary();
    while (peek()?.v.toLowerCase() === 'and') {
      next();
      left = { kind: 'and', left, right: primary() };
    }
    return left;
  };
  const orExpr = (): Expr => {
    let left = andExpr();
    while (peek()?.v.toLowerCase() === 'or') {
      next();
      left = { kind: 'or', left, right: andExpr() };
    }
    return left;
  };
  const e = orExpr();
  if (pos !== tokens.length) throw new FilterError(`Unexpected '${tokens[pos]?.v ?? ''}'.`);
  return e;
}

/** Property paths a filter reads (to reject unknown properties like the services do). */
export function filterPaths(e: Expr): string[] {
  switch (e.kind) {
    case 'and':
    case 'or':
      return [...filterPaths(e.left), ...filterPaths(e.right)];
    case 'not':
      return filterPaths(e.expr);
    case 'any':
      return [e.path];
    default:
      return [e.path];
  }
}

export interface EvalOptions {
  caseSensitive: boolean;
}

function get(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('/')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    const rec = cur as Record<string, unknown>;
    const key = part in rec ? part : Object.keys(rec).find((k) => k.toLowerCase() === part.toLowerCase());
    cur = key === undefined ? undefined : rec[key];
  }
  return cur;
}

function norm(v: unknown, o: EvalOptions): unknown {
  return typeof v === 'string' && !o.caseSensitive ? v.toLowerCase() : v;
}

export function evaluate(e: Expr, obj: unknown, o: EvalOptions, vars: Record<string, unknown> = {}): boolean {
  const read = (path: string) => {
    const [head, ...rest] = path.split('/');
    if (head !== undefined && head in vars) return rest.length ? get(vars[head], rest.join('/')) : vars[head];
    return get(obj, path);
  };
  switch (e.kind) {
    case 'and':
      return evaluate(e.left, obj, o, vars) && evaluate(e.right, obj, o, vars);
    case 'or':
      return evaluate(e.left, obj, o, vars) || evaluate(e.right, obj, o, vars);
    case 'not':
      return !evaluate(e.expr, obj, o, vars);
    case 'in': {
      const v = norm(read(e.path) ?? null, o);
      return e.values.some((x) => norm(x, o) === v);
    }
    case 'func': {
      const v = read(e.path);
      if (typeof v !== 'string') return false;
      const a = o.caseSensitive ? v : v.toLowerCase();
      const b = o.caseSensitive ? e.value : e.value.toLowerCase();
      return e.name === 'startswith'
        ? a.startsWith(b)
        : e.name === 'endswith'
          ? a.endsWith(b)
          : a.includes(b);
    }
    case 'any': {
      const arr = read(e.path);
      return (
        Array.isArray(arr) &&
        (arr as unknown[]).some((item) => evaluate(e.body, obj, o, { ...vars, [e.variable]: item }))
      );
    }
    case 'cmp': {
      const raw = read(e.path);
      const left = norm(raw === undefined ? null : raw, o);
      const right = norm(e.value, o);
      switch (e.op) {
        case 'eq':
          return left === right;
        case 'ne':
          return left !== right;
        default: {
          if (left === null || right === null) return false;
          const l = left as number | string;
          const r = right as number | string;
          return e.op === 'gt' ? l > r : e.op === 'ge' ? l >= r : e.op === 'lt' ? l < r : l <= r;
        }
      }
    }
  }
}

export function selectFields<T extends Record<string, unknown>>(
  obj: T,
  select: string | null,
  always: string[] = [],
): Record<string, unknown> {
  if (!select) return obj;
  const wanted = select
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const out: Record<string, unknown> = {};
  for (const key of [...always, ...wanted]) {
    const actual = Object.keys(obj).find((k) => k.toLowerCase() === key.toLowerCase());
    if (actual !== undefined) out[actual] = obj[actual];
  }
  return out;
}
