//! Quoting SQL identifiers, for the few statements whose object names cannot be bind
//! parameters. A leaf of `db`, so that the files using it (`ledger`, `snapshots`) need not
//! import `db`'s public face, which re-exports them.

/// `name` as a quoted SQL identifier (`"Mixed ""Case"""`), for the few statements whose object
/// names cannot be bind parameters (DDL, `to_regclass` literals).
pub(crate) fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `text` as an escape-string literal (`E'it''s'`), read the same whatever
/// `standard_conforming_strings` says: for values written into SQL text that is sent as one
/// simple-query message, where bind parameters cannot go.
pub(crate) fn quote_literal(text: &str) -> String {
    format!("E'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

/// What takes the place of one `$N` of a statement written out as text: a value, SQL NULL, or
/// an expression the server computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Written<'a> {
    /// A text value ([`quote_literal`]); `None` is NULL.
    Value(Option<&'a str>),
    /// SQL of plan's own, parenthesised where it goes.
    Expression(&'a str),
}

impl Written<'_> {
    /// Its SQL: a literal, `NULL`, or the expression in parentheses.
    pub(crate) fn to_sql(self) -> String {
        match self {
            Written::Value(Some(text)) => quote_literal(text),
            Written::Value(None) => "NULL".to_string(),
            Written::Expression(expression) => format!("({expression})"),
        }
    }
}

/// `sql` with each `$N` replaced by `values[N - 1]` (SQL: [`Written::to_sql`]), for plan's own
/// statements (whose `$N` stand only outside quoted literals, and whose parameters are text):
/// the same statement, with no parameters, for a message that cannot carry any. A `$N` beyond
/// `values` is left.
pub(crate) fn write_parameters(sql: &str, values: &[String]) -> String {
    let mut out = String::with_capacity(sql.len() + 64 * values.len());
    let mut rest = sql;
    let mut in_literal = false;
    while let Some(next) = rest.find(['$', '\'']) {
        out.push_str(&rest[..next]);
        rest = &rest[next..];
        if rest.starts_with('\'') {
            in_literal = !in_literal;
            out.push('\'');
            rest = &rest[1..];
            continue;
        }
        let digits = rest[1..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(rest.len() - 1, |end| end);
        let value = (!in_literal && digits > 0)
            .then(|| rest[1..=digits].parse::<usize>().ok())
            .flatten()
            .and_then(|number| number.checked_sub(1))
            .and_then(|index| values.get(index));
        match value {
            Some(value) => out.push_str(value),
            None => {
                out.push('$');
                rest = &rest[1..];
                continue;
            }
        }
        rest = &rest[1 + digits..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `write_parameters(sql, values)` is `expect`.
    fn check(sql: &str, values: &[Written<'_>], expect: &str) {
        let values: Vec<String> = values.iter().copied().map(Written::to_sql).collect();
        assert_eq!(write_parameters(sql, &values), expect);
    }

    #[test]
    fn parameters_are_written_in_as_literals_nulls_or_expressions() {
        let values = [
            Written::Value(Some("it's")),
            Written::Value(None),
            Written::Expression("1 + 1"),
        ];
        check(
            "VALUES ($1, $2::text::int, $3::text::bigint)",
            &values,
            "VALUES (E'it''s', NULL::text::int, (1 + 1)::text::bigint)",
        );
        // $1 and $10 are told apart; a literal's `$1` and a `$` with no number stay.
        let many: Vec<Written<'_>> = (0..10).map(|_| Written::Value(Some("v"))).collect();
        check("$1 $10", &many, "E'v' E'v'");
        check("'$1' $ $x $11", &many, "'$1' $ $x $11");
        check("a\\b", &[], "a\\b");
        check("$1", &[Written::Value(Some("a\\b"))], "E'a\\\\b'");
    }
}
