//! Statements over many values: how each backend writes its bind
//! parameters, and the batch reads of rows by a list of IDs.

/// How a backend writes generated bind parameters. One statement keeps to
/// one style: sqlx binds `$n` by name and `?` by position.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Params {
    /// `$1, $2, ...` (PostgreSQL).
    Numbered,
    /// `?, ?, ...` (SQLite): sqlx asks SQLite each parameter's name, and
    /// SQLite finds a name by walking all of them, so a statement of a
    /// thousand `$n` costs a million steps to bind; `?` has no name.
    Anonymous,
}

impl Params {
    /// Parameter number `i`.
    pub(crate) fn one(self, i: usize) -> String {
        match self {
            Self::Numbered => format!("${i}"),
            Self::Anonymous => "?".to_owned(),
        }
    }

    /// `n` parameters from number `first`, comma-separated (`?` are
    /// numbered by position, so `first` must follow the ones before).
    pub(crate) fn list(self, first: usize, n: usize) -> String {
        (first..first + n)
            .map(|i| self.one(i))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `($1, ..., $width), ($width+1, ...)` for `rows` rows of a multi-row
/// INSERT: a batched change pays one statement per chunk, not per row.
pub(crate) fn value_rows(params: Params, rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", params.list(r * width + 1, width)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A batch read of whole-key matches: `columns` of `table` where `scope`
/// (a column and its one value), if any, matches and `id` is one of a list.
/// The key is the table's primary key, so each ID finds at most one row.
pub(crate) struct ByIds<'a> {
    pub table: &'static str,
    pub columns: &'static str,
    pub scope: Option<(&'static str, &'a str)>,
    pub id: &'static str,
}

impl ByIds<'_> {
    /// The scope column's condition and its value, or none.
    pub(crate) fn scope_sql(&self, params: Params) -> (String, Option<&str>) {
        match self.scope {
            Some((column, value)) => (format!("{column} = {} AND ", params.one(1)), Some(value)),
            None => (String::new(), None),
        }
    }
}

/// A batch read of rows keyed by departmental ID: `columns` of `table`
/// where the `system` and `local_id` columns (the links key) name one of a
/// list of IDs. Each ID finds at most one row.
pub(crate) struct ByLinks {
    pub table: &'static str,
    pub columns: &'static str,
    pub system: &'static str,
    pub local_id: &'static str,
}

/// Departmental IDs sorted, each once, as (system, local ID).
pub(crate) fn distinct_links(ids: &[crate::record::LinkRef]) -> Vec<(&str, &str)> {
    let mut pairs: Vec<(&str, &str)> = ids
        .iter()
        .map(|id| (id.system.as_str(), id.local_id.as_str()))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// `ids` sorted, each once: a repeat would be read, and returned,
/// again (by a later chunk, or by a join).
pub(crate) fn distinct<'a>(ids: &[&'a str]) -> Vec<&'a str> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_do_not_mix() {
        assert_eq!(value_rows(Params::Numbered, 2, 2), "($1, $2), ($3, $4)");
        assert_eq!(value_rows(Params::Anonymous, 2, 2), "(?, ?), (?, ?)");
        assert_eq!(Params::Numbered.list(3, 2), "$3, $4");
        assert_eq!(Params::Anonymous.list(3, 2), "?, ?");
    }
}
