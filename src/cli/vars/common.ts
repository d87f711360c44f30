/** One line of a value for a table: strings as they are, the rest as compact JSON, cut to `width`. */
export function preview(value: unknown, width = 60): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const oneLine = (text ?? 'null').replace(/\s+/g, ' ').trim();
  return oneLine.length > width ? `${oneLine.slice(0, width - 1)}…` : oneLine;
}
