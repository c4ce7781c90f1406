/**
 * Compares two strings by Unicode code point, which is also UTF-8 byte order: the order of SQLite's
 * BINARY collation and PostgreSQL's "C" collation. (JavaScript's `<` compares UTF-16 code units, which
 * disagrees for characters above U+FFFF against U+E000..U+FFFF.)
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only where surrogates meet non-surrogates does UTF-16 order differ from code point order.
    if (x >= 0xd800 && x <= 0xdfff && !(y >= 0xd800 && y <= 0xdfff)) return y >= 0xe000 ? 1 : x - y;
    if (y >= 0xd800 && y <= 0xdfff && !(x >= 0xd800 && x <= 0xdfff)) return x >= 0xe000 ? -1 : x - y;
    return x - y;
  }
  return a.length - b.length;
}
