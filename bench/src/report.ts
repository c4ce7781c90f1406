import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

/** One line of the results: a workload measured on one contender. */
export interface ResultRow {
  workload: string;
  family: 'postgres' | 'sqlite';
  contender: string;
  /** Unit of `median`: ops/s, records/s, rows/s (higher is better) or ms (lower is better). */
  unit: string;
  median: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  /**
   * Speed relative to the raw contender of the same family in the same run, higher is better:
   * throughput / raw throughput, or raw p95 / p95 for latency rows. Null for the raw contender's own
   * reference (1) is written as 1; null when not supported or not measured.
   */
  ratio_to_raw: number | null;
  supported: boolean;
  /** The benchmark's target for this row, in words, and whether this run met it. */
  target?: string;
  target_met?: boolean;
  notes?: string;
  extra?: Record<string, unknown>;
  /**
   * The section beside the family tables this row belongs to (`keyv`, `langgraph`, `citus`): sections
   * compare other pairs than recordstore vs the raw driver, so `ratio_to_raw` is relative to the
   * section's `reference` contender of the same family instead (see {@link RunInfo.sections}).
   */
  section?: string;
  /** True for a section's reference contender (its ratio is 1 by definition; no bar in the chart). */
  reference?: boolean;
}

/** A section of the report beside the family tables: its heading and what its rows and ratios mean. */
export interface SectionInfo {
  title: string;
  /** Lines printed under the heading (what is compared, the ratio's meaning, or why it was skipped). */
  notes: string[];
}

/** The machine and run the numbers come from. */
export interface RunInfo {
  date: string;
  mode: 'quick' | 'full';
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  postgres: string;
  sqlite: string;
  sizes: Record<string, number>;
  complete: boolean;
  durationS: number;
  /** Sections run (or skipped, with the reason in their notes), by id, in report order. */
  sections?: Record<string, SectionInfo>;
}

/** CPU, cores and memory of this machine. */
export function machine(): Pick<RunInfo, 'cpu' | 'cores' | 'memoryGb' | 'node'> {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
  };
}

function fmt(value: number | null, digits = 2): string {
  if (value === null || Number.isNaN(value)) return '–';
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(digits);
}

/** Writes latest.json, latest.md and ratios.svg into `dir` (called after each workload: partial results). */
export function writeReports(dir: string, info: RunInfo, rows: ResultRow[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify({ run: info, rows }, null, 2)}\n`);
  writeFileSync(join(dir, 'latest.md'), markdown(info, rows));
  writeFileSync(join(dir, 'ratios.svg'), ratiosSvg(info, rows));
}

/** The markdown report: machine, one table per family, then every target and whether it was met. */
export function markdown(info: RunInfo, rows: ResultRow[]): string {
  const lines: string[] = [];
  lines.push(
    `# recordstore benchmark (${info.mode}${info.complete ? '' : ', partial: still running or stopped early'})`,
  );
  lines.push('');
  lines.push(`- Date: ${info.date} (run took ${Math.round(info.durationS)} s)`);
  lines.push(`- Machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGb} GB memory`);
  lines.push(`- Node ${info.node}, PostgreSQL ${info.postgres}, SQLite ${info.sqlite}`);
  lines.push(
    `- Sizes: ${Object.entries(info.sizes)
      .map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`)
      .join(', ')}`,
  );
  lines.push(
    '- `ratio` = speed relative to the raw driver of the same family in the same run (higher is better): ' +
      'throughput ÷ raw throughput, or raw p95 ÷ p95 for rows in ms. Contenders ran interleaved in rounds; ' +
      'read the ratios, not the absolute numbers.',
  );
  lines.push('');
  for (const family of ['postgres', 'sqlite'] as const) {
    const familyRows = rows.filter((r) => r.family === family && r.section === undefined);
    if (familyRows.length === 0) continue;
    lines.push(`## ${family === 'postgres' ? 'PostgreSQL' : 'SQLite'}`);
    lines.push('');
    lines.push(
      '| workload | contender | unit | median | p50 ms | p95 ms | p99 ms | ratio | target | notes |',
    );
    lines.push('|---|---|---|---:|---:|---:|---:|---:|---|---|');
    for (const r of familyRows) {
      if (!r.supported) {
        lines.push(
          `| ${r.workload} | ${r.contender} | – | – | – | – | – | – | | ${r.notes ?? 'not supported'} |`,
        );
        continue;
      }
      const target = r.target ? `${r.target_met ? '✅' : '❌'} ${r.target}` : '';
      lines.push(
        `| ${r.workload} | ${r.contender} | ${r.unit} | ${fmt(r.median)} | ${fmt(r.p50_ms, 3)} | ${fmt(r.p95_ms, 3)} | ${fmt(
          r.p99_ms,
          3,
        )} | ${r.ratio_to_raw === null ? '–' : r.ratio_to_raw.toFixed(2)} | ${target} | ${(r.notes ?? '').replace(/\|/g, '\\|')} |`,
      );
    }
    lines.push('');
  }
  for (const [id, section] of Object.entries(info.sections ?? {})) {
    lines.push(
      ...sectionMarkdown(
        section,
        rows.filter((r) => r.section === id),
      ),
    );
  }
  const targeted = rows.filter((r) => r.target && r.supported);
  if (targeted.length > 0) {
    lines.push('## Targets');
    lines.push('');
    for (const r of targeted) {
      lines.push(`- ${r.target_met ? '✅ met' : '❌ missed'}: ${r.workload}, ${r.contender}: ${r.target}`);
    }
    lines.push('');
  }
  lines.push('![ratios to the raw driver](ratios.svg)');
  lines.push('');
  return `${lines.join('\n')}\n`;
}

/** One section: its heading, its notes, then one table with the engine as a column. */
function sectionMarkdown(section: SectionInfo, rows: ResultRow[]): string[] {
  const lines = [`## ${section.title}`, ''];
  for (const note of section.notes) lines.push(`- ${note}`);
  lines.push('');
  if (rows.length === 0) return lines;
  lines.push('| workload | engine | contender | unit | median | p50 ms | p95 ms | p99 ms | ratio | notes |');
  lines.push('|---|---|---|---|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const engine = r.family === 'postgres' ? 'PostgreSQL' : 'SQLite';
    const notes = (r.notes ?? '').replace(/\|/g, '\\|');
    if (!r.supported) {
      lines.push(
        `| ${r.workload} | ${engine} | ${r.contender} | – | – | – | – | – | – | ${notes || 'not supported'} |`,
      );
      continue;
    }
    const ratio = r.ratio_to_raw === null ? '–' : r.ratio_to_raw.toFixed(2);
    lines.push(
      `| ${r.workload} | ${engine} | ${r.contender} | ${r.unit} | ${fmt(r.median)} | ${fmt(r.p50_ms, 3)} | ${fmt(r.p95_ms, 3)} | ${fmt(r.p99_ms, 3)} | ${ratio} | ${notes} |`,
    );
  }
  lines.push('');
  return lines;
}

const COLORS: Record<string, string> = {
  'raw-pg': '#9e9e9e',
  'raw-better-sqlite3': '#9e9e9e',
  'recordstore-postgres': '#1f77b4',
  'recordstore-sqlite': '#1f77b4',
  'keyv-postgres': '#ff7f0e',
  'keyv-sqlite': '#ff7f0e',
};

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Ratio a target asks for, when it is a ratio (read from the row's target text "ratio >= x"). */
function targetRatio(row: ResultRow): number | null {
  const m = row.target?.match(/ratio ≥ ([0-9.]+)/);
  return m ? Number(m[1]) : null;
}

/**
 * A grouped horizontal bar chart, drawn by hand: one group per workload, one bar per non-raw contender
 * (its ratio to raw), the 1.0 line (raw) and a red tick at each group's target.
 */
export function ratiosSvg(info: RunInfo, rows: ResultRow[]): string {
  const bars = rows.filter((r) => !r.contender.startsWith('raw-') && !r.reference);
  const groups: { label: string; rows: ResultRow[] }[] = [];
  for (const r of bars) {
    const engine = r.family === 'postgres' ? 'PG' : 'SQLite';
    const label = r.section ? `${r.section} ${engine}: ${r.workload}` : `${engine}: ${r.workload}`;
    let g = groups.find((x) => x.label === label);
    if (!g) {
      g = { label, rows: [] };
      groups.push(g);
    }
    g.rows.push(r);
  }
  const barH = 12;
  const gap = 10;
  const left = 360;
  const width = 1010;
  const plotW = width - left - 120;
  const top = 50;
  const maxRatio = Math.max(1.5, ...bars.map((r) => r.ratio_to_raw ?? 0).filter(Number.isFinite));
  const xMax = Math.min(Math.ceil(maxRatio * 2) / 2, 6);
  const x = (v: number) => left + (Math.min(v, xMax) / xMax) * plotW;
  let y = top;
  const parts: string[] = [];
  for (const g of groups) {
    const h = g.rows.length * barH;
    parts.push(
      `<text x="${left - 8}" y="${y + h / 2 + 4}" text-anchor="end" font-size="11">${esc(g.label)}</text>`,
    );
    g.rows.forEach((r, i) => {
      const by = y + i * barH;
      const color = COLORS[r.contender] ?? '#2ca02c';
      if (r.ratio_to_raw === null) {
        const why = r.supported ? 'not measured' : 'not supported';
        parts.push(
          `<text x="${left + 4}" y="${by + barH - 3}" font-size="9" fill="#888">${esc(r.contender)}: ${why}</text>`,
        );
      } else {
        parts.push(
          `<rect x="${left}" y="${by + 1}" width="${Math.max(1, x(r.ratio_to_raw) - left).toFixed(1)}" height="${barH - 2}" fill="${color}"><title>${esc(
            `${r.contender} ${r.workload}: ${r.ratio_to_raw.toFixed(2)}`,
          )}</title></rect>`,
          `<text x="${x(r.ratio_to_raw) + 4}" y="${by + barH - 3}" font-size="9">${r.ratio_to_raw.toFixed(2)}${
            r.ratio_to_raw > xMax ? ' ▸' : ''
          }</text>`,
        );
      }
      const t = targetRatio(r);
      if (t !== null) {
        parts.push(
          `<line x1="${x(t)}" x2="${x(t)}" y1="${by}" y2="${by + barH}" stroke="#d62728" stroke-width="2"/>`,
        );
      }
    });
    y += h + gap;
  }
  const height = y + 40;
  const axis: string[] = [];
  for (let v = 0; v <= xMax + 1e-9; v += 0.5) {
    axis.push(
      `<line x1="${x(v)}" x2="${x(v)}" y1="${top - 5}" y2="${y}" stroke="#eee"/>`,
      `<text x="${x(v)}" y="${y + 14}" text-anchor="middle" font-size="10">${v.toFixed(1)}</text>`,
    );
  }
  const legend = [
    ['recordstore', COLORS['recordstore-postgres']],
    ['keyv', COLORS['keyv-postgres']],
  ]
    .map(
      ([name, color], i) =>
        `<rect x="${left + i * 120}" y="18" width="12" height="12" fill="${color}"/><text x="${left + i * 120 + 16}" y="28" font-size="11">${name}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="14" font-size="13" font-weight="bold">Speed relative to the raw driver (1.0 = raw; higher is better) — ${esc(info.mode)} run, ${esc(info.date.slice(0, 10))}</text>
${legend}
<line x1="${left + 250}" x2="${left + 250}" y1="18" y2="30" stroke="#d62728" stroke-width="2"/><text x="${left + 256}" y="28" font-size="11">target</text>
${axis.join('\n')}
<line x1="${x(1)}" x2="${x(1)}" y1="${top - 5}" y2="${y}" stroke="#333" stroke-dasharray="4 3"/>
${parts.join('\n')}
<text x="${left}" y="${y + 30}" font-size="10" fill="#555">ratio = throughput ÷ raw throughput, or raw p95 ÷ p95 for list latency (sections: relative to their reference contender); ${esc(info.cpu)}, ${info.cores} cores, Node ${esc(info.node)}, PostgreSQL ${esc(info.postgres)}</text>
</svg>
`;
}
