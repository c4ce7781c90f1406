/** A short description of a value's type for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  const t = typeof value;
  if (t === 'object') return 'an object';
  return t === 'undefined' ? 'undefined' : `a ${t}`;
}

/** A value shown in an error message, shortened so a 50 MB string never lands in a log. */
export function describeValue(value: unknown): string {
  let text: string;
  if (typeof value === 'bigint') text = `${value}n`;
  else if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'number' || typeof value === 'boolean' || value == null) text = String(value);
  else if (typeof value === 'function') return 'a function';
  else if (typeof value === 'symbol') return 'a symbol';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      return describeType(value);
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
