/**
 * Serialises a value the way Chatwoot (Rails' `to_json`) puts a webhook body on the wire: compact
 * JSON with `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u003c`-style sequences, while emoji, CJK
 * and Arabic text stay raw. `mhub send` and the test fixtures use it, so what they sign is byte for
 * byte what a real sender would sign.
 */
export const chatwootJson = (value: unknown): string =>
  JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
