//! TOML text written a table at a time. A `toml_edit` document costs kilobytes of memory per
//! table (tens of megabytes for the thousands of `[[module]]` tables of a large lock, bundle
//! manifest or transaction journal); rendering each table of an array on its own and appending
//! it gives the text the one document would have, for a fraction of that.

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table};

/// Append `table` to `text` as one more `[[key]]` table of an array, as a document holding them
/// all renders it (separated from what comes before by a blank line).
pub(crate) fn push_array_table(text: &mut String, key: &str, table: Table) {
    let mut one = DocumentMut::new();
    let mut arr = ArrayOfTables::new();
    arr.push(table);
    one[key] = Item::ArrayOfTables(arr);
    text.push('\n');
    text.push_str(&one.to_string());
}

/// Read back a text as [`push_array_table`] writes it — root keys and tables first, then one
/// `[[key]]` table after another, for each of `keys` — a table at a time: the root document
/// (without `keys`) and each table in order with its key. A whole document of thousands of
/// tables costs tens of megabytes; this, one table's worth. `None` when the text is not in that
/// shape: the root part names one of `keys`, a piece between two `[[key]]` lines is not valid
/// TOML on its own (the line fell inside a multi-line string) or holds anything but one
/// `[[key]]` table. Callers then parse the text as one document, which reads the same data in
/// any shape and reports syntax errors with their line.
pub(crate) fn split_array_tables<'a>(
    text: &'a str,
    keys: &'a [&'a str],
) -> Option<(
    DocumentMut,
    impl Iterator<Item = Option<(&'a str, Table)>> + 'a,
)> {
    let mut starts: Vec<usize> = keys
        .iter()
        .flat_map(|key| {
            text.match_indices(&format!("\n[[{key}]]\n"))
                .map(|(i, _)| i + 1)
                .collect::<Vec<_>>()
        })
        .collect();
    starts.sort_unstable();
    let root: DocumentMut = text[..starts.first().copied().unwrap_or(text.len())]
        .parse()
        .ok()?;
    if keys.iter().any(|key| root.contains_key(key)) {
        return None;
    }
    let tables = (0..starts.len()).map(move |i| {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let mut piece: DocumentMut = text[starts[i]..end].parse().ok()?;
        if piece.len() != 1 {
            return None;
        }
        let (key, item) = piece.iter_mut().next()?;
        let key = *keys.iter().find(|k| **k == key.get())?;
        let Item::ArrayOfTables(arr) = std::mem::take(item) else {
            return None;
        };
        if arr.len() != 1 {
            return None;
        }
        Some((key, arr.into_iter().next()?))
    });
    Some((root, tables))
}

#[cfg(test)]
mod tests {
    use super::*;
    use toml_edit::value;

    fn table(n: i64, s: &str) -> Table {
        let mut t = Table::new();
        t["n"] = value(n);
        t["s"] = value(s);
        t
    }

    fn rendered() -> String {
        let mut doc = DocumentMut::new();
        doc["format"] = value(1);
        let mut side = Table::new();
        side["x"] = value("y");
        doc["side"] = Item::Table(side);
        let mut text = doc.to_string();
        push_array_table(&mut text, "module", table(1, "a"));
        push_array_table(
            &mut text,
            "module",
            table(2, "multi\nline\n\n[module]\nx = 1"),
        );
        push_array_table(&mut text, "module", table(3, "c"));
        text
    }

    /// What the one document reads from the same text.
    fn whole(text: &str) -> (DocumentMut, Vec<Table>) {
        let mut doc: DocumentMut = text.parse().unwrap();
        let tables = match doc.remove("module") {
            Some(Item::ArrayOfTables(arr)) => arr.into_iter().collect(),
            _ => Vec::new(),
        };
        (doc, tables)
    }

    #[test]
    fn a_text_written_a_table_at_a_time_reads_back_the_same_a_table_at_a_time() {
        let text = rendered();
        let (root, tables) = split_array_tables(&text, &["module"]).expect("splits");
        let tables: Vec<Table> = tables
            .map(|t| t.expect("each piece parses"))
            .map(|(key, t)| {
                assert_eq!(key, "module");
                t
            })
            .collect();
        let (want_root, want_tables) = whole(&text);
        // The same keys and values; the root piece keeps the blank line before the first table.
        assert_eq!(
            root.to_string().trim_end(),
            want_root.to_string().trim_end()
        );
        assert_eq!(tables.len(), 3);
        for (got, want) in tables.iter().zip(&want_tables) {
            assert_eq!(got.to_string().trim_end(), want.to_string().trim_end());
        }
        assert_eq!(
            tables[1]["s"].as_str(),
            Some("multi\nline\n\n[module]\nx = 1")
        );
    }

    #[test]
    fn a_text_in_another_shape_is_left_to_the_whole_document() {
        // `[[module]]` inside a multi-line string, at a line start: the piece before it does
        // not parse on its own.
        let text = "format = 1\n\n[[module]]\nn = 1\ns = \"\"\"\n\n[[module]]\n\"\"\"\n";
        let (_, mut tables) = split_array_tables(text, &["module"]).expect("the root parses");
        assert!(tables.any(|t| t.is_none()), "{text}");
        assert_eq!(whole(text).1.len(), 1);
        // A value holding the marker line, as written: a piece ends inside the string.
        let mut text = "format = 1\n".to_string();
        push_array_table(&mut text, "module", table(1, "a\n[[module]]\nb"));
        let (_, mut tables) = split_array_tables(&text, &["module"]).expect("the root parses");
        assert!(tables.any(|t| t.is_none()), "{text}");
        assert_eq!(whole(&text).1[0]["s"].as_str(), Some("a\n[[module]]\nb"));
        // The array written inline in the root.
        assert!(split_array_tables("module = [{ n = 1 }]\n", &["module"]).is_none());
        // Another table after the array's last table.
        let text = "format = 1\n\n[[module]]\nn = 1\n\n[other]\nx = 1\n";
        let (_, mut tables) = split_array_tables(text, &["module"]).expect("the root parses");
        assert!(tables.any(|t| t.is_none()), "{text}");
    }

    #[test]
    fn tables_of_several_keys_come_back_in_order_with_their_keys() {
        let mut text = "format = 1\n".to_string();
        push_array_table(&mut text, "module", table(1, "a"));
        push_array_table(&mut text, "module", table(2, "b"));
        push_array_table(&mut text, "graph", table(3, "c"));
        let (root, tables) = split_array_tables(&text, &["module", "graph"]).expect("splits");
        assert_eq!(root.to_string().trim_end(), "format = 1");
        let got: Vec<(&str, i64)> = tables
            .map(|t| t.expect("each piece parses"))
            .map(|(key, t)| (key, t["n"].as_integer().unwrap()))
            .collect();
        assert_eq!(got, [("module", 1), ("module", 2), ("graph", 3)]);
        // A key not asked for is not a table of the array.
        let (_, mut tables) = split_array_tables(&text, &["module"]).expect("the root parses");
        assert!(tables.any(|t| t.is_none()), "{text}");
    }
}
