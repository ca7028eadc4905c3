//! Connection strings: `postgresql://` (or `postgres://`) URLs and libpq's key=value form,
//! read into [`Fields`] with errors that never quote the input (it may hold a password); and
//! the percent-encoding `Display` and `scrub` use. Leaves what the fields mean to
//! `ConnectionSettings::resolve`.

use super::fields::Fields;
use crate::db::error::DbError;

/// Parses a `postgresql://` / `postgres://` URL or a libpq key=value string. Errors never quote
/// the input: it may hold a password.
pub(super) fn parse_connection_string(text: &str, origin: &str) -> Result<Fields, DbError> {
    let invalid = |problem: String| DbError::InvalidUrl {
        origin: origin.to_string(),
        problem,
    };
    let text = text.trim();
    if let Some(rest) = text
        .strip_prefix("postgresql://")
        .or_else(|| text.strip_prefix("postgres://"))
    {
        parse_url(rest, origin).map_err(invalid)
    } else if text.contains('=') {
        parse_key_value(text, origin).map_err(invalid)
    } else {
        Err(invalid(
            "it starts neither with postgresql:// (or postgres://) nor with key=value pairs"
                .to_string(),
        ))
    }
}

/// Parses what follows `postgresql://`: `[user[:password]@][host][:port][/dbname][?k=v&…]`.
fn parse_url(rest: &str, origin: &str) -> Result<Fields, String> {
    let mut fields = Fields::default();
    let (before_query, query) = match rest.split_once('?') {
        Some((before, query)) => (before, Some(query)),
        None => (rest, None),
    };
    let (authority, path) = match before_query.split_once('/') {
        Some((authority, path)) => (authority, Some(path)),
        None => (before_query, None),
    };
    // The last `@` ends the user information, so an unencoded `@` in a password still parses
    // (libpq takes the first, and would then show half the password as the host name).
    let host_and_port = match authority.rsplit_once('@') {
        Some((user_info, host_and_port)) => {
            let (user, password) = match user_info.split_once(':') {
                Some((user, password)) => (user, Some(password)),
                None => (user_info, None),
            };
            if !user.is_empty() {
                fields.user = Some(percent_decode(user, "the user name")?);
            }
            if let Some(password) = password {
                fields.password = Some(percent_decode(password, "the password")?);
            }
            host_and_port
        }
        None => authority,
    };
    if host_and_port.contains(',') {
        return Err("it lists several hosts, which this tool does not support".to_string());
    }
    let (host, port) = if let Some(bracketed) = host_and_port.strip_prefix('[') {
        let (address, after) = bracketed
            .split_once(']')
            .ok_or_else(|| "an IPv6 address in brackets is missing its `]`".to_string())?;
        match after {
            "" => (address, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (address, Some(port)),
                None => return Err("unexpected text after the bracketed IPv6 address".to_string()),
            },
        }
    } else {
        match host_and_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_and_port, None),
        }
    };
    if !host.is_empty() {
        fields.host = Some(percent_decode(host, "the host")?);
    }
    if let Some(port) = port.filter(|port| !port.is_empty()) {
        if port.parse::<u16>().is_err() {
            return Err("the port is not a number between 1 and 65535".to_string());
        }
        fields.port = Some((port.to_string(), format!("the port in {origin}")));
    }
    if let Some(path) = path.filter(|path| !path.is_empty()) {
        fields.database = Some(percent_decode(path, "the database name")?);
    }
    for (position, pair) in query
        .into_iter()
        .flat_map(|query| query.split('&'))
        .filter(|pair| !pair.is_empty())
        .enumerate()
    {
        let (keyword, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("query parameter {} has no `=`", position + 1))?;
        let keyword = percent_decode(keyword, "a query parameter name")?;
        let value = percent_decode(value, "a query parameter value")?;
        // libpq accepts `ssl=true` from JDBC-style URLs as sslmode=require.
        let (keyword, value) = match (keyword.as_str(), value.as_str()) {
            ("ssl", "true") => ("sslmode".to_string(), "require".to_string()),
            _ => (keyword, value),
        };
        fields
            .set(&keyword, value, origin)
            .map_err(|problem| format!("query parameter {}: {problem}", position + 1))?;
    }
    Ok(fields)
}

/// Parses libpq's `keyword = value` form; values may be single-quoted with `\'` and `\\`.
fn parse_key_value(text: &str, origin: &str) -> Result<Fields, String> {
    let mut fields = Fields::default();
    let mut characters = text.chars().peekable();
    let mut position = 0;
    loop {
        while characters.next_if(|c| c.is_whitespace()).is_some() {}
        if characters.peek().is_none() {
            return Ok(fields);
        }
        position += 1;
        let mut keyword = String::new();
        while let Some(c) = characters.next_if(|c| *c != '=' && !c.is_whitespace()) {
            keyword.push(c);
        }
        while characters.next_if(|c| c.is_whitespace()).is_some() {}
        if characters.next() != Some('=') {
            return Err(format!("setting {position} has no `=`"));
        }
        while characters.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if characters.next_if_eq(&'\'').is_some() {
            loop {
                match characters.next() {
                    Some('\\') => match characters.next() {
                        Some(escaped) => value.push(escaped),
                        None => return Err(format!("setting {position} ends inside quotes")),
                    },
                    Some('\'') => break,
                    Some(c) => value.push(c),
                    None => return Err(format!("setting {position} has no closing quote")),
                }
            }
        } else {
            while let Some(c) = characters.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    if let Some(escaped) = characters.next() {
                        value.push(escaped);
                    }
                } else {
                    value.push(c);
                }
            }
        }
        fields
            .set(&keyword, value, origin)
            .map_err(|problem| format!("setting {position}: {problem}"))?;
    }
}

fn percent_decode(text: &str, what: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = bytes
                .get(index + 1..index + 3)
                .and_then(|pair| std::str::from_utf8(pair).ok())
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("{what} has a `%` not followed by two hex digits"))?;
            decoded.push(hex);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).map_err(|_| format!("{what} is not UTF-8 once decoded"))
}

/// Encodes everything but unreserved URL characters.
pub(super) fn percent_encode(text: &str) -> String {
    encode_except(text, |byte| {
        byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
    })
}

/// Like `percent_encode` but keeps `/`, for paths in query values.
pub(super) fn percent_encode_path(text: &str) -> String {
    encode_except(text, |byte| {
        byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/')
    })
}

fn encode_except(text: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        if keep(byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// `encoded` with the two hex digits after each `%` in lowercase.
pub(super) fn lowercase_escapes(encoded: &str) -> String {
    let mut result = String::with_capacity(encoded.len());
    let mut digits_left = 0;
    for character in encoded.chars() {
        if digits_left > 0 {
            result.push(character.to_ascii_lowercase());
            digits_left -= 1;
        } else {
            if character == '%' {
                digits_left = 2;
            }
            result.push(character);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use crate::db::connect::testing::{check, environment, expect_error};

    #[test]
    fn url_fields_are_percent_decoded() {
        let url = "postgresql://al%40ice:p%3Ass%2Fw@db.example.com:6543/my%20db?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=plan%20apply";
        assert_eq!(
            check(Some(url), &environment(&[])),
            "postgresql://al%40ice@db.example.com:6543/my%20db?sslmode=verify-full&sslrootcert=/etc/ca.pem password=p:ss/w app=plan apply"
        );
    }

    #[test]
    fn postgres_scheme_and_socket_host_in_query_are_accepted() {
        assert_eq!(
            check(
                Some("postgres://bob@/shop?host=%2Ftmp%2Fsock&port=5433"),
                &environment(&[])
            ),
            "postgresql://bob@:5433/shop?host=/tmp/sock password=none app=-"
        );
        assert_eq!(
            check(Some("postgres://%2Ftmp%2Fsock/shop"), &environment(&[])),
            "postgresql://osuser@:5432/shop?host=/tmp/sock password=none app=-"
        );
    }

    #[test]
    fn unencoded_at_sign_in_password_still_parses() {
        assert_eq!(
            check(Some("postgresql://u:p@ss@h/d"), &environment(&[])),
            "postgresql://u@h:5432/d password=p@ss app=-"
        );
    }

    #[test]
    fn ipv6_hosts_keep_their_brackets() {
        assert_eq!(
            check(Some("postgresql://u@[::1]:5999/d"), &environment(&[])),
            "postgresql://u@[::1]:5999/d password=none app=-"
        );
    }

    #[test]
    fn key_value_strings_are_accepted() {
        assert_eq!(
            check(
                Some("host=db port = 6000 user=u password='two words' dbname=x sslmode=require"),
                &environment(&[])
            ),
            "postgresql://u@db:6000/x?sslmode=require password=two words app=-"
        );
        assert_eq!(
            check(Some(r"host=db password='a \'b\\c'"), &environment(&[])),
            r"postgresql://osuser@db:5432/osuser password=a 'b\c app=-"
        );
    }

    #[test]
    fn bad_values_are_reported_without_echoing_the_url() {
        let error = expect_error(Some("postgresql://u:hunter2@h:99999/d"), &environment(&[]));
        assert!(!error.contains("hunter2"), "{error}");
        assert_eq!(
            error,
            "the database URL from --database-url is invalid: the port is not a number between 1 and 65535"
        );
        let error = expect_error(Some("mysql://u:hunter2@h/d"), &environment(&[]));
        assert!(!error.contains("hunter2"), "{error}");
        let error = expect_error(
            Some("postgresql://u:hunter2@h/d?hunter2"),
            &environment(&[]),
        );
        assert_eq!(
            error,
            "the database URL from --database-url is invalid: query parameter 1 has no `=`"
        );
        let error = expect_error(Some("postgresql://u:%zz@h/d"), &environment(&[]));
        assert!(error.contains("the password has a `%`"), "{error}");
        let error = expect_error(None, &environment(&[("PGSSLMODE", "verify")]));
        assert!(error.starts_with("PGSSLMODE is invalid"), "{error}");
    }
}
