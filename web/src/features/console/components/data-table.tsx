import type { ReactNode } from 'react';

/** A column heading; the column the rows are sorted by says so (`aria-sort`). */
export type Column = string | { label: string; sort: 'ascending' | 'descending' };

/** A console table: scrolls sideways on narrow screens, column headings, `children` are the rows. */
export function DataTable({
  columns,
  caption,
  labelledBy,
  children,
}: {
  columns: Column[];
  /** For screen readers only (the page's heading already says it to everyone else). */
  caption?: string;
  labelledBy?: string;
  children: ReactNode;
}) {
  return (
    // A table wider than the screen scrolls inside this box; keyboard users reach it by Tab and scroll with arrows.
    <div
      className="c-table-wrap"
      tabIndex={0}
      role="region"
      {...(labelledBy ? { 'aria-labelledby': labelledBy } : { 'aria-label': caption ?? 'Table' })}
    >
      <table aria-labelledby={labelledBy}>
        {caption && <caption className="visually-hidden">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) =>
              typeof c === 'string' ? (
                <th key={c} scope="col">
                  {c}
                </th>
              ) : (
                <th key={c.label} scope="col" aria-sort={c.sort}>
                  {c.label}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
