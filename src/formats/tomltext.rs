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
