//! Statements over many values: how each backend writes its bind
//! parameters.

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
