/**
 * A strict parser of the Prometheus text exposition format (0.0.4): every line must be a `# HELP`, a `# TYPE` or a
 * sample of a family declared before it, label values unescaped, values numbers; anything else throws. (The npm
 * parsers we tried drop a histogram's labels when `le` is not the last label, which prom-client writes first.)
 */
export type Sample = { name: string; labels: Record<string, string>; value: number };
export type Family = { name: string; type: string; help: string; samples: Sample[] };

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['', '_sum', '_count'],
};

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
    if (!m) throw new Error(`bad labels in: ${line}`);
    if (m[1]! in labels) throw new Error(`duplicate label ${m[1]} in: ${line}`);
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(m[0].length);
  }
  return labels;
}

function parseValue(text: string, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  // Prometheus reads values with Go's strconv.ParseFloat, which takes NaN in any case; prom-client writes `Nan`
  // for a gauge with no samples yet (e.g. event-loop lag right after start).
  if (text.toLowerCase() === 'nan') return NaN;
  if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value in: ${line}`);
  return Number(text);
}

export function parsePrometheusText(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const familyOf = (sampleName: string): Family | undefined => {
    for (const f of families.values()) {
      const suffixes = SUFFIXES[f.type] ?? [''];
      if (suffixes.some((s) => `${f.name}${s}` === sampleName)) return f;
    }
    return undefined;
  };
  for (const line of text.slice(0, -1).split('\n')) {
    // The format allows empty lines (prom-client puts one between families).
    if (line === '') continue;
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
      const [, kind, name, ...rest] = line.split(' ');
      if (!name || !NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      const f = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      if (kind === 'TYPE') {
        if (f.samples.length > 0 || !TYPES.has(rest.join(' '))) throw new Error(`bad TYPE: ${line}`);
        f.type = rest.join(' ');
      } else f.help = rest.join(' ');
      families.set(name, f);
      continue;
    }
    if (line.startsWith('#')) throw new Error(`unexpected line: ${JSON.stringify(line)}`);
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(line);
    if (!m) throw new Error(`bad sample: ${line}`);
    const f = familyOf(m[1]!);
    if (!f) throw new Error(`sample of an undeclared family: ${line}`);
    f.samples.push({ name: m[1]!, labels: parseLabels(m[2] ?? '', line), value: parseValue(m[3]!, line) });
  }
  return families;
}
