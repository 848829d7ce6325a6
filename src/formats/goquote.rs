//! Go's quoting of strings and characters (`strconv.Quote`, `strconv.QuoteRune`) and its
//! notion of a printable character, for messages that must read exactly as the go command's.

use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// Letters, marks, numbers, punctuation and symbols: go's `unicode.IsPrint` minus the space.
pub(crate) fn is_graphic(c: char) -> bool {
    // ASCII first: its graphic characters are exactly `!` to `~` (a table lookup costs more, and
    // every token go.mod prints is asked about).
    if c.is_ascii() {
        return c.is_ascii_graphic();
    }
    graphic_by_table(c)
}

/// [`is_graphic`] by the Unicode tables.
fn graphic_by_table(c: char) -> bool {
    matches!(
        c.general_category_group(),
        GeneralCategoryGroup::Letter
            | GeneralCategoryGroup::Mark
            | GeneralCategoryGroup::Number
            | GeneralCategoryGroup::Punctuation
            | GeneralCategoryGroup::Symbol
    )
}

/// `strconv.Quote`: a double-quoted go string literal for `s`.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// `strconv.QuoteRune`: a single-quoted go character literal for `c` (as `%#q` prints a rune).
pub(crate) fn go_quote_rune(c: char) -> String {
    let mut out = String::from("'");
    push_escaped(&mut out, c, '\'');
    out.push('\'');
    out
}

/// `unicode.IsPrint`: a graphic character or the ASCII space.
pub(crate) fn is_print(c: char) -> bool {
    c == ' ' || is_graphic(c)
}

fn push_escaped(out: &mut String, c: char, quote: char) {
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        _ if c < ' ' || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
        _ if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        _ => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

#[cfg(test)]
mod graphic_tests {
    use super::*;

    /// The ASCII shortcut says what the Unicode tables say, for every ASCII character.
    #[test]
    fn ascii_graphic_characters_are_the_ones_the_tables_name() {
        for c in (0u8..=127).map(char::from) {
            assert_eq!(is_graphic(c), graphic_by_table(c), "{c:?}");
        }
    }
}
