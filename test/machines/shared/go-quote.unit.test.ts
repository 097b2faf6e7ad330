// Go's %q, case by case. Each expected value follows from strconv.Quote's documented rules
// (quotes and backslashes escaped; unicode.IsPrint runes kept; \a \b \f \n \r \t \v; \xNN for
// other controls, DEL and invalid UTF-8 bytes; \uNNNN / \UNNNNNNNN for other non-printables) and
// was checked against `fmt.Printf("%q", s)` of go1.23.
import { describe, expect, it } from 'vitest';
import { goQuote } from '../../../machines/shared/index.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('goQuote', () => {
  it.each([
    ['the empty string', '', '""'],
    ['quote and backslash get a backslash', 'a"b\\c', '"a\\"b\\\\c"'],
    ['the seven short escapes', '\x07\b\f\n\r\t\v', '"\\a\\b\\f\\n\\r\\t\\v"'],
    ['other controls and DEL as \\xNN, lower-case hex', '\x00\x1b\x7f', '"\\x00\\x1b\\x7f"'],
    ['printable letters, marks and CJK kept as they are', 'héllo 世界', '"héllo 世界"'],
    ['the ASCII space is printable', ' ', '" "'],
    ['a combining mark (category M) is printable', 'e\u0301', '"e\u0301"'],
    ['NBSP is a space but not the ASCII one: \\u00a0', '\u00a0', '"\\u00a0"'],
    ['format characters (Cf) are not printable', '\u200b\ufeff\u00ad', '"\\u200b\\ufeff\\u00ad"'],
    ['the line separator (Zl) is not printable', '\u2028', '"\\u2028"'],
    ['private use below U+10000: \\uNNNN', '\ue000', '"\\ue000"'],
    ['an emoji (So) above U+FFFF is printable', '😀', '"😀"'],
    ['non-printables above U+FFFF: \\UNNNNNNNN', '\u{f0000}\u{e0001}', '"\\U000f0000\\U000e0001"'],
    ['U+FFFD itself is a printable symbol', '\ufffd', '"\ufffd"'],
    ['the strconv.Quote documentation example', '"Fran & Freddie\'s Diner\t☺"', '"\\"Fran & Freddie\'s Diner\\t☺\\""'],
    ['a lone surrogate is its WTF-8 bytes, each invalid for Go', 'a\ud800b', '"a\\xed\\xa0\\x80b"'],
  ])('%s', (_case, text, quoted) => {
    expect(goQuote(text)).toBe(quoted);
  });

  it.each([
    ['a byte that starts nothing', bytes(0xff), '"\\xff"'],
    ['a lone continuation byte', bytes(0x80), '"\\x80"'],
    ['a truncated two-byte sequence', bytes(0xc3), '"\\xc3"'],
    ['an overlong encoding of "/"', bytes(0xc0, 0xaf), '"\\xc0\\xaf"'],
    ['an encoded surrogate (U+D800)', bytes(0xed, 0xa0, 0x80), '"\\xed\\xa0\\x80"'],
    ['past U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), '"\\xf4\\x90\\x80\\x80"'],
    ['a truncated four-byte sequence', bytes(0xf0, 0x9f, 0x98), '"\\xf0\\x9f\\x98"'],
    ['valid UTF-8 around invalid bytes', bytes(0x61, 0xe4, 0xb8, 0x96, 0xff, 0x0a), '"a世\\xff\\n"'],
    ['a valid encoding of U+FFFD is kept (only a one-byte RuneError is escaped)', bytes(0xef, 0xbf, 0xbd), '"\ufffd"'],
  ])('bytes: %s', (_case, input, quoted) => {
    expect(goQuote(input)).toBe(quoted);
  });

  it('differs from JSON escaping where Go does', () => {
    const text = '\x1b[31mred\x07\u00a0';
    expect(JSON.stringify(text)).toBe('"\\u001b[31mred\\u0007\u00a0"');
    expect(goQuote(text)).toBe('"\\x1b[31mred\\a\\u00a0"');
  });
});
