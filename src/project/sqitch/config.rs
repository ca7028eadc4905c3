//! [`read_config`]: the project's `sqitch.conf` (git-config syntax, read by Config::GitLike)
//! reduced to what locating a Sqitch project's files needs, and [`script_paths`]. Precedence
//! follows `_fetch` in lib/App/Sqitch/Target.pm (sqitchers/sqitch): `[target "<name>"]`, then
//! `[engine "<engine>"]`, then `[core]`. Only the project's own file is read: the user's
//! `~/.sqitch/sqitch.conf`, the system one, `SQITCH_*` variables and command-line options are
//! not.

use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use super::model::SqitchChange;

/// Where a Sqitch project keeps its plan and scripts, relative to the project folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SqitchConfig {
    /// The engine key (`pg` for PostgreSQL), from the default target's URI or `core.engine`.
    pub(crate) engine: Option<String>,
    /// The default target's name (`core.target` or `engine.<engine>.target`), unless that is a
    /// URI itself.
    pub(crate) target: Option<String>,
    /// `top_dir`, default `.`.
    pub(crate) top_dir: PathBuf,
    /// `plan_file`, default `<top_dir>/sqitch.plan` (a configured one is not under top_dir).
    pub(crate) plan_file: PathBuf,
    /// `deploy_dir`, default `<top_dir>/deploy`.
    pub(crate) deploy_dir: PathBuf,
    /// `revert_dir`, default `<top_dir>/revert`.
    pub(crate) revert_dir: PathBuf,
    /// `verify_dir`, default `<top_dir>/verify`.
    pub(crate) verify_dir: PathBuf,
    /// Where the earlier instances of reworked changes are deployed from:
    /// `reworked_deploy_dir`, else `<reworked_dir>/<deploy_dir>` (`reworked_dir` defaulting to
    /// top_dir), so the deploy_dir unless `reworked_dir` is set.
    pub(crate) reworked_deploy_dir: PathBuf,
    /// Likewise for revert scripts.
    pub(crate) reworked_revert_dir: PathBuf,
    /// Likewise for verify scripts.
    pub(crate) reworked_verify_dir: PathBuf,
    /// The scripts' extension, default `sql`.
    pub(crate) extension: String,
    /// Lines that are not git-config syntax, skipped (Sqitch would refuse the file).
    pub(crate) unreadable: Vec<Range<usize>>,
}

/// Reads `sqitch.conf`'s text; never fails: what cannot be read is listed in `unreadable`.
pub(crate) fn read_config(text: &str) -> SqitchConfig {
    let (settings, unreadable) = settings(text);
    let get = |section: &str, subsection: Option<&str>, key: &str| -> Option<String> {
        settings
            .iter()
            .rev()
            .find(|setting| {
                setting.section == section
                    && setting.subsection.as_deref() == subsection
                    && setting.key == key
                    && !setting.value.is_empty()
            })
            .map(|setting| setting.value.clone())
    };
    // Target.pm's BUILDARGS: core.target, else engine.<core.engine>.target, else db:<engine>:.
    let core_engine = get("core", None, "engine").map(|engine| engine.trim_end().to_owned());
    let default_target = get("core", None, "target").or_else(|| {
        let engine = core_engine.as_deref()?;
        Some(get("engine", Some(engine), "target").unwrap_or_else(|| format!("db:{engine}:")))
    });
    let (target, uri) = match default_target {
        Some(uri) if uri.contains(':') => (None, Some(uri)),
        Some(name) => {
            let uri = get("target", Some(&name), "uri");
            (Some(name), uri)
        }
        None => (None, None),
    };
    let engine = uri.as_deref().and_then(engine_of).or(core_engine);
    let fetch = |key: &str| {
        let from_target = target
            .as_deref()
            .and_then(|target| get("target", Some(target), key));
        let from_engine = || {
            engine
                .as_deref()
                .and_then(|engine| get("engine", Some(engine), key))
        };
        from_target
            .or_else(from_engine)
            .or_else(|| get("core", None, key))
    };
    let top_dir = clean(Path::new(
        &fetch("top_dir").unwrap_or_else(|| ".".to_owned()),
    ));
    let reworked_dir =
        fetch("reworked_dir").map_or_else(|| top_dir.clone(), |dir| clean(Path::new(&dir)));
    let script_dir = |script: &str| {
        fetch(&format!("{script}_dir"))
            .map_or_else(|| joined(&top_dir, script), |dir| clean(Path::new(&dir)))
    };
    let reworked_script_dir = |script: &str| match fetch(&format!("reworked_{script}_dir")) {
        Some(dir) => clean(Path::new(&dir)),
        None => joined(
            &reworked_dir,
            &fetch(&format!("{script}_dir")).unwrap_or_else(|| script.to_owned()),
        ),
    };
    SqitchConfig {
        plan_file: fetch("plan_file").map_or_else(
            || joined(&top_dir, "sqitch.plan"),
            |file| clean(Path::new(&file)),
        ),
        deploy_dir: script_dir("deploy"),
        revert_dir: script_dir("revert"),
        verify_dir: script_dir("verify"),
        reworked_deploy_dir: reworked_script_dir("deploy"),
        reworked_revert_dir: reworked_script_dir("revert"),
        reworked_verify_dir: reworked_script_dir("verify"),
        extension: fetch("extension").unwrap_or_else(|| "sql".to_owned()),
        engine,
        target,
        top_dir,
        unreadable,
    }
}

/// A change's deploy, revert and verify scripts, relative to the project folder: the
/// script stem's `/`-separated parts under each folder, with the extension
/// (`_path_segments` in lib/App/Sqitch/Plan/Change.pm). An earlier instance of a reworked
/// change reads from the reworked folders.
pub(crate) fn script_paths(
    config: &SqitchConfig,
    change: &SqitchChange,
) -> (PathBuf, PathBuf, PathBuf) {
    let reworked = !change.rework_tags.is_empty();
    let file = |dir: &Path| joined(dir, &format!("{}.{}", change.script_stem, config.extension));
    if reworked {
        (
            file(&config.reworked_deploy_dir),
            file(&config.reworked_revert_dir),
            file(&config.reworked_verify_dir),
        )
    } else {
        (
            file(&config.deploy_dir),
            file(&config.revert_dir),
            file(&config.verify_dir),
        )
    }
}

/// `dir` then `path`'s parts, as Path::Class's `subdir` and `file` join them (an absolute or
/// `./` part does not restart the path), cleaned.
fn joined(dir: &Path, path: &str) -> PathBuf {
    let mut whole = dir.to_path_buf();
    whole.extend(path.split('/').filter(|part| !part.is_empty()));
    clean(&whole)
}

/// Without `.` parts (Path::Class's `cleanup`); `.` when nothing is left.
fn clean(path: &Path) -> PathBuf {
    let cleaned: PathBuf = path
        .components()
        .filter(|component| *component != Component::CurDir)
        .collect();
    if cleaned.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        cleaned
    }
}

/// The engine a `db:<engine>:...` URI names, as Sqitch's canonical key (URI::db's
/// `canonical_engine` maps PostgreSQL's aliases to `pg`).
fn engine_of(uri: &str) -> Option<String> {
    let engine = uri
        .strip_prefix("db:")?
        .split(':')
        .next()?
        .to_ascii_lowercase();
    match engine.as_str() {
        "" => None,
        "postgres" | "postgresql" | "pgsql" | "pgxc" | "postgresxc" => Some("pg".to_owned()),
        _ => Some(engine),
    }
}

/// One `key = value` of the file.
struct Setting {
    /// Lowercase, as Config::GitLike keys sections.
    section: String,
    /// As written (`[engine "pg"]`); lowercase in the old `[engine.pg]` form, as git does.
    subsection: Option<String>,
    /// Lowercase.
    key: String,
    value: String,
}

/// Every setting in file order, and the spans of lines that are not git-config syntax.
fn settings(text: &str) -> (Vec<Setting>, Vec<Range<usize>>) {
    let mut settings = Vec::new();
    let mut unreadable = Vec::new();
    let mut section: Option<(String, Option<String>)> = None;
    let mut at = if text.starts_with('\u{feff}') { 3 } else { 0 };
    while at < text.len() {
        let line_end = text[at..]
            .find('\n')
            .map_or(text.len(), |length| at + length);
        let mut from = at + (text[at..line_end].len() - text[at..line_end].trim_start().len());
        let mut next = line_end + 1;
        if text[from..].starts_with('[') {
            match section_header(&text[from..line_end]) {
                Some((header, length)) => {
                    section = Some(header);
                    from += length;
                    from += text[from..line_end].len() - text[from..line_end].trim_start().len();
                }
                None => {
                    section = None;
                    unreadable.push(at..line_end);
                    at = next;
                    continue;
                }
            }
        }
        let rest = text[from..line_end].trim();
        if !(rest.is_empty() || rest.starts_with(['#', ';'])) {
            match (&section, key_value(text, from)) {
                (Some((name, subsection)), Some((key, value, end))) => {
                    settings.push(Setting {
                        section: name.clone(),
                        subsection: subsection.clone(),
                        key,
                        value,
                    });
                    next = end;
                }
                _ => unreadable.push(at..line_end.min(text.len())),
            }
        }
        at = next;
    }
    (settings, unreadable)
}

/// `[name]`, `[name "subsection"]` or `[name.subsection]` at the start of `line`, and its
/// length.
fn section_header(line: &str) -> Option<((String, Option<String>), usize)> {
    let inner = line.strip_prefix('[')?;
    let name_length = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
        .unwrap_or(inner.len());
    let name = &inner[..name_length];
    let rest = &inner[name_length..];
    if name.is_empty() {
        return None;
    }
    if let Some(close) = rest.strip_prefix(']') {
        let length = line.len() - close.len();
        return Some(match name.split_once('.') {
            Some((name, subsection)) => (
                (
                    name.to_ascii_lowercase(),
                    Some(subsection.to_ascii_lowercase()),
                ),
                length,
            ),
            None => ((name.to_ascii_lowercase(), None), length),
        });
    }
    let quoted = rest.trim_start().strip_prefix('"')?;
    let mut subsection = String::new();
    let mut chars = quoted.char_indices();
    while let Some((offset, c)) = chars.next() {
        match c {
            '"' => {
                let close = quoted[offset + 1..].strip_prefix(']')?;
                return Some((
                    (name.to_ascii_lowercase(), Some(subsection)),
                    line.len() - close.len(),
                ));
            }
            '\\' => subsection.push(chars.next()?.1),
            c => subsection.push(c),
        }
    }
    None
}

/// `key`, `key = value` or `key = "quoted" value \` (continued) from `from`: the lowercase
/// key, the value with quotes, escapes and comments resolved (a bare key is `true`), and where
/// the next line starts.
fn key_value(text: &str, from: usize) -> Option<(String, String, usize)> {
    let rest = &text[from..];
    let key_length = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_')))
        .unwrap_or(rest.len());
    let key = rest[..key_length].to_ascii_lowercase();
    if key.is_empty() {
        return None;
    }
    let after_key = rest[key_length..].trim_start_matches([' ', '\t']);
    let Some(value_text) = after_key.strip_prefix('=') else {
        let line_end = after_key.find('\n').unwrap_or(after_key.len());
        let trailing = after_key[..line_end].trim_end_matches('\r').trim();
        let comment_only = trailing.is_empty() || trailing.starts_with(['#', ';']);
        let next = text.len() - after_key.len() + line_end + 1;
        return comment_only.then(|| (key, "true".to_owned(), next));
    };
    let value_start = text.len() - value_text.len();
    let (mut value, mut spaces, mut quoted) = (String::new(), String::new(), false);
    let mut chars = text[value_start..].char_indices().peekable();
    while let Some((offset, c)) = chars.next() {
        match c {
            '\n' if quoted => return None,
            '\n' => return Some((key, value, value_start + offset + 1)),
            '\r' if chars.peek().is_some_and(|&(_, next)| next == '\n') => {}
            '#' | ';' if !quoted => {
                let end = text[value_start + offset..]
                    .find('\n')
                    .map_or(text.len(), |length| value_start + offset + length);
                return Some((key, value, end + 1));
            }
            ' ' | '\t' if !quoted => spaces.push(c),
            '"' => {
                quoted = !quoted;
                if !value.is_empty() {
                    value.push_str(&spaces);
                }
                spaces.clear();
            }
            '\\' => {
                let (_, escaped) = chars.next()?;
                let escaped = match escaped {
                    '\r' if chars.peek().is_some_and(|&(_, next)| next == '\n') => {
                        chars.next();
                        continue;
                    }
                    '\n' => continue,
                    'n' => '\n',
                    't' => '\t',
                    'b' => '\u{8}',
                    '"' | '\\' => escaped,
                    _ => return None,
                };
                if !value.is_empty() {
                    value.push_str(&spaces);
                }
                spaces.clear();
                value.push(escaped);
            }
            c => {
                if !value.is_empty() || quoted {
                    value.push_str(&spaces);
                }
                spaces.clear();
                value.push(c);
            }
        }
    }
    (!quoted).then_some((key, value, text.len() + 1))
}
