// Hand-drawn SVG charts: one horizontal bar per row, scaled to the largest value, with a sparkline of
// the row's recent samples beside it.

const svgNS = 'http://www.w3.org/2000/svg';
const rowHeight = 22;
const labelWidth = 220;
const barWidth = 260;
const sparkWidth = 120;

function el(name, attrs, text) {
  const node = document.createElementNS(svgNS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * barChart draws rows [{label, value, history}] into an <svg>: `format(value)` labels each bar and
 * `history` (oldest first) becomes the sparkline. An empty row list draws a "no data" note.
 */
export function barChart(svg, rows, format) {
  svg.replaceChildren();
  const width = labelWidth + barWidth + 90 + sparkWidth;
  const height = Math.max(1, rows.length) * rowHeight + 4;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  if (!rows.length) {
    svg.append(el('text', { x: 4, y: 16, class: 'muted' }, 'no data'));
    return;
  }
  const max = Math.max(...rows.map((r) => r.value), ...rows.flatMap((r) => r.history ?? []), 1e-12);
  rows.forEach((r, i) => {
    const y = i * rowHeight + 2;
    const w = Math.max(1, (r.value / max) * barWidth);
    const g = el('g', { class: 'chart-row' });
    g.append(el('title', {}, `${r.label}: ${format(r.value)}`));
    g.append(el('text', { x: labelWidth - 6, y: y + 14, 'text-anchor': 'end' }, r.label.length > 32 ? `${r.label.slice(0, 31)}…` : r.label));
    g.append(el('rect', { x: labelWidth, y: y + 3, width: w, height: rowHeight - 8, rx: 2, class: 'bar' }));
    g.append(el('text', { x: labelWidth + w + 6, y: y + 14 }, format(r.value)));
    g.append(sparkline(r.history ?? [], max, labelWidth + barWidth + 90, y));
    svg.append(g);
  });
}

function sparkline(history, max, x0, y0) {
  if (history.length < 2) return el('g', {});
  const step = sparkWidth / (history.length - 1);
  const h = rowHeight - 6;
  const points = history.map((v, i) => `${(x0 + i * step).toFixed(1)},${(y0 + 3 + h - (v / max) * h).toFixed(1)}`);
  return el('polyline', { points: points.join(' '), class: 'spark', fill: 'none' });
}
