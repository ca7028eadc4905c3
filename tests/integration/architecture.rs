//! The architecture, checked: no import cycle between files of `src/`, and no top-level module
//! importing from a layer above it (docs/ARCHITECTURE.md). In the spirit of rust-analyzer's
//! `xtask/src/tidy.rs`: read the sources as text, no compiler.
//!
//! What counts as an import of a crate file, from file F:
//! - every path of a `use` item (`crate::…`, `super::…`, `self::…`, or a child module F declares
//!   with `mod x;`), groups expanded (`use crate::a::{b, c::{D, E}}` is three paths);
//! - a path of that kind written inline in code (`crate::ops::check_schema(…)`);
//! - an intra-doc link in documentation, since rustdoc must resolve it (and a link into a
//!   feature-gated module breaks the docs when the feature is off): in `///` and `//!` lines,
//!   `/** … */` and `/*! … */` blocks, and `#[doc = "…"]` attributes (escapes decoded); in every
//!   form rustdoc reads: `` [`crate::cli::run`] ``, `[run](crate::cli::run)` (the destination
//!   may sit on the next line), `[run][crate::cli::run]`, `[run]: crate::cli::run`, with a
//!   disambiguator (`fn@crate::cli::run`), `()`, `!` or generics. Plain `//` and `/* */`
//!   comments (which nest, as in Rust), other string literals and backticked prose do not
//!   count. `#[doc = include_str!(…)]` and `concat!` in a doc attribute are not read.
//!
//! A path resolves to the FILE that holds its longest existing module prefix (`src/a/b.rs` or
//! `src/a/b/mod.rs`; `src/lib.rs` for the crate root). When that file is a `mod.rs` (or
//! `lib.rs`) and the next segment is an item it re-exports (`pub use child::X;`), the path
//! resolves on to the file that defines the item: importing `crate::engine::Plan` depends on
//! `src/engine/plan.rs`, not on the facade. The re-export itself is an edge from the `mod.rs`
//! to the file it re-exports from. Declaring `mod child;` is not an edge. A module imported
//! whole (`use crate::ops;`, `use crate::db::{self, …}`) is an edge to its `mod.rs`; what is
//! later reached through that name (`ops::accept(…)`) is not followed.
//!
//! Not counted: anything inside an item marked `#[cfg(test)]` (tests may import anything), and
//! any file that is itself a `#[cfg(test)] mod x;` (src/graph/tests.rs). An edge from a file
//! to itself is not an edge.
//!
//! Rules:
//! 1. No cycle between files, reported as `src/x.rs -> src/y.rs -> src/x.rs`. A child that
//!    imports an item its parent `mod.rs` defines (not re-exports), while that `mod.rs`
//!    re-exports from the child, is a cycle: such an item belongs in a file of its own.
//! 2. Layers, top to bottom: `cli`; `embed`, `startup`; `ops`; `engine`; `load`, `db`;
//!    `infer`; `graph`, `sql`; `project`; `diagnostic`, `object`, `parallel`, `codec`,
//!    `calendar`. A top-level module imports only from its own layer or below; besides, `db`
//!    imports nothing but `db/`, `diagnostic`, `object` (the `ObjectKey` vocabulary it shares
//!    with `sql` and the commands) and `calendar` (the ledger's times), and `graph` and
//!    `sql` never import each other. `lib.rs`, `main.rs` and `testing.rs` (test support) are
//!    exempt. A top-level module missing from this list is reported, so that a new one is placed.
//! 3. No `#[path = "…"]` on a `mod` (nor `#[cfg_attr(…, path = "…")]`), anywhere in `src/`,
//!    test modules included: a #[path] module hides where a file sits in the tree, and the tree
//!    must show the architecture (the checker, too, finds a module's file by its path).
//! 4. No glob import of a crate module (`use super::*;`, `use crate::engine::*;`,
//!    `use self::x::*;`, `pub use child::*;`) outside test code: the checker cannot know what a
//!    glob uses, so it would hide a cycle. Globs inside `#[cfg(test)]` items and in files
//!    declared `#[cfg(test)] mod x;` (src/graph/tests.rs, src/project/tests.rs) are allowed, and
//!    so are globs of other crates (`use proptest::prelude::*;`).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;

/// The layers, top first; modules on one line share a layer.
const LAYERS: &[&[&str]] = &[
    &["cli"],
    &["embed", "startup"],
    &["ops"],
    &["engine"],
    &["load", "db", "lint"],
    &["infer"],
    &["graph", "sql"],
    &["project"],
    &["diagnostic", "object", "parallel", "codec", "calendar"],
];

/// Files outside the layers: the crate root, the binary, test support.
const EXEMPT: &[&str] = &["lib", "main", "testing"];

/// Pairs of modules that must not import each other, in either direction, although the layer
/// rule alone would let them.
const APART: &[(&str, &str)] = &[("graph", "sql"), ("graph", "db")];

/// The only modules `db` may import besides itself.
const DB_MAY_USE: &[&str] = &["diagnostic", "object", "calendar"];

#[test]
fn src_has_no_import_cycle_and_no_upward_import() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = BTreeMap::new();
    read_sources(root, &root.join("src"), &mut files);
    let found = violations(&files);
    assert!(
        found.is_empty(),
        "{} architecture violation(s) (docs/ARCHITECTURE.md):\n{}",
        found.len(),
        found.join("\n")
    );
}

/// Every `.rs` file under `dir`, keyed by its path relative to `root` with `/` separators.
fn read_sources(root: &Path, dir: &Path, files: &mut BTreeMap<String, String>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{dir:?}: {error}"));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            read_sources(root, &path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let relative = path.strip_prefix(root).expect("under the root");
            let key = relative
                .components()
                .map(|part| part.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{key}: {e}"));
            files.insert(key, text);
        }
    }
}

/// Every violation of the rules in `files` (path such as `src/a/b.rs` → text), one line each,
/// cycles first.
fn violations(files: &BTreeMap<String, String>) -> Vec<String> {
    let crate_files = CrateFiles::new(files);
    let mut edges: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
    let mut found = Vec::new();
    for (file, text) in files {
        let scanned = scan(text);
        for module in &scanned.path_attributes {
            found.push(format!(
                "{file}: #[path] on `mod {module}`: a #[path] module hides where a file sits in the tree"
            ));
        }
        if crate_files.test_only.contains(file.as_str()) {
            continue;
        }
        for glob in &scanned.globs {
            if crate_files
                .absolute(file, &scanned.children, glob)
                .is_some()
            {
                found.push(format!(
                    "{file}: `use {}::*` imports a crate module whole: name what it uses \
                     (the checker cannot see what a glob uses, so it would hide a cycle)",
                    glob.segments.join("::")
                ));
            }
        }
        let targets = edges.entry(file.as_str()).or_default();
        for path in scanned.paths {
            let Some(absolute) = crate_files.absolute(file, &scanned.children, &path) else {
                continue;
            };
            let target = crate_files.resolve(&absolute);
            if target != *file {
                targets
                    .entry(target)
                    .or_insert_with(|| format!("crate::{}", absolute.join("::")));
            }
        }
    }
    found.splice(0..0, cycles(&edges));
    for (from, targets) in &edges {
        for (to, path) in targets {
            if let Some(why) = layer_violation(top_module(from), top_module(to)) {
                found.push(format!("{from} imports {path} ({to}): {why}"));
            }
        }
    }
    for file in files.keys() {
        let module = top_module(file);
        if !EXEMPT.contains(&module) && layer_of(module).is_none() {
            found.push(format!(
                "{file}: top-level module `{module}` has no layer in tests/integration/architecture.rs"
            ));
        }
    }
    found.sort_by_key(|line| !line.contains(" -> "));
    found.dedup();
    found
}

/// Why an import from top-level module `from` into `to` breaks the layer rule, if it does.
fn layer_violation(from: &str, to: &str) -> Option<String> {
    if from == to || EXEMPT.contains(&from) {
        return None;
    }
    if EXEMPT.contains(&to) {
        return Some(format!(
            "`{to}` is not a layer; import from the module that defines it"
        ));
    }
    let (from_layer, to_layer) = (layer_of(from)?, layer_of(to)?);
    if to_layer < from_layer {
        return Some(format!(
            "`{from}` is below `{to}` and must not import from it"
        ));
    }
    if from == "db" && !DB_MAY_USE.contains(&to) {
        return Some(format!("`db` imports only `db/` and {DB_MAY_USE:?}"));
    }
    if APART
        .iter()
        .any(|&(a, b)| (a, b) == (from, to) || (b, a) == (from, to))
    {
        return Some(format!("`{from}` and `{to}` never import each other"));
    }
    None
}

/// The index in [`LAYERS`] of a top-level module (0 is the top).
fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// `cli` for `src/cli/apply.rs`, `embed` for `src/embed.rs`.
fn top_module(file: &str) -> &str {
    let rest = file.strip_prefix("src/").unwrap_or(file);
    let first = rest.split('/').next().unwrap_or(rest);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// The shortest cycle through each file that is on one, as `a -> b -> a`, each cycle once.
fn cycles(edges: &BTreeMap<&str, BTreeMap<String, String>>) -> Vec<String> {
    let mut found: BTreeSet<Vec<&str>> = BTreeSet::new();
    for &start in edges.keys() {
        // Breadth first from `start` back to `start`: the shortest cycle through it.
        let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
        let mut queue = VecDeque::from([start]);
        let mut closing = None;
        'search: while let Some(file) = queue.pop_front() {
            for next in edges
                .get(file)
                .into_iter()
                .flat_map(|targets| targets.keys())
            {
                if next == start {
                    closing = Some(file);
                    break 'search;
                }
                if !previous.contains_key(next.as_str()) {
                    previous.insert(next.as_str(), file);
                    queue.push_back(next.as_str());
                }
            }
        }
        let Some(mut file) = closing else { continue };
        let mut cycle = vec![file];
        while file != start {
            file = previous[file];
            cycle.push(file);
        }
        cycle.reverse();
        // The same cycle found from another of its files: start each at its smallest file.
        let smallest = (0..cycle.len()).min_by_key(|&at| cycle[at]).unwrap_or(0);
        cycle.rotate_left(smallest);
        found.insert(cycle);
    }
    found
        .into_iter()
        .map(|mut cycle| {
            cycle.push(cycle[0]);
            cycle.join(" -> ")
        })
        .collect()
}

/// The crate's files as modules: which exist, which are test-only, what each `mod.rs`
/// re-exports.
struct CrateFiles<'a> {
    files: &'a BTreeMap<String, String>,
    /// Files declared `#[cfg(test)] mod x;`.
    test_only: BTreeSet<String>,
}

impl<'a> CrateFiles<'a> {
    fn new(files: &'a BTreeMap<String, String>) -> Self {
        let mut test_only = BTreeSet::new();
        for (file, text) in files {
            for child in scan(text).test_children {
                let mut module = module_of(file);
                module.push(child);
                if let Some(child_file) = file_of(files, &module) {
                    test_only.insert(child_file);
                }
            }
        }
        CrateFiles { files, test_only }
    }

    /// `path`, written in `file`, as segments from the crate root; None when it leaves the crate.
    fn absolute(
        &self,
        file: &str,
        children: &BTreeSet<String>,
        path: &ScannedPath,
    ) -> Option<Vec<String>> {
        let mut module = module_of(file);
        module.extend(path.inline_module.iter().cloned());
        let mut segments = path.segments.iter().peekable();
        let first = segments.peek()?.as_str();
        let mut absolute = match first {
            "crate" => {
                segments.next();
                Vec::new()
            }
            "self" => {
                segments.next();
                module
            }
            "super" => {
                while segments.peek().is_some_and(|segment| *segment == "super") {
                    segments.next();
                    module.pop()?;
                }
                module
            }
            child if children.contains(child) && path.inline_module.is_empty() => module,
            _ => return None,
        };
        absolute.extend(segments.cloned());
        Some(absolute)
    }

    /// The file `absolute` (segments from the crate root) depends on: the file of its longest
    /// existing module prefix, or the file defining the item that prefix re-exports.
    fn resolve(&self, absolute: &[String]) -> String {
        self.resolve_depth(absolute, 0)
    }

    fn resolve_depth(&self, absolute: &[String], depth: usize) -> String {
        let (length, file) = (0..=absolute.len())
            .rev()
            .find_map(|length| Some((length, file_of(self.files, &absolute[..length])?)))
            .unwrap_or((0, "src/lib.rs".to_owned()));
        let Some(item) = absolute.get(length) else {
            return file;
        };
        let is_facade = file.ends_with("/mod.rs") || file == "src/lib.rs";
        if !is_facade || depth > 8 {
            return file;
        }
        let text = &self.files[&file];
        let scanned = scan(text);
        for reexport in scanned.reexports {
            if reexport.segments.last() != Some(item) {
                continue;
            }
            let Some(mut target) = self.absolute(&file, &scanned.children, &reexport) else {
                continue;
            };
            target.extend(absolute[length + 1..].iter().cloned());
            return self.resolve_depth(&target, depth + 1);
        }
        file
    }
}

/// The module path of a file: `src/engine/run.rs` → `[engine, run]`, `src/db/mod.rs` → `[db]`.
fn module_of(file: &str) -> Vec<String> {
    let rest = file.strip_prefix("src/").unwrap_or(file);
    let rest = rest.strip_suffix(".rs").unwrap_or(rest);
    let mut module: Vec<String> = rest.split('/').map(str::to_owned).collect();
    if matches!(
        module.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        module.pop();
    }
    module
}

/// The file holding `module`, if there is one.
fn file_of(files: &BTreeMap<String, String>, module: &[String]) -> Option<String> {
    if module.is_empty() {
        return Some("src/lib.rs".to_owned());
    }
    let base = format!("src/{}", module.join("/"));
    [format!("{base}.rs"), format!("{base}/mod.rs")]
        .into_iter()
        .find(|candidate| files.contains_key(candidate))
}

/// A path as written, with the inline (non-test) modules it sits in.
#[derive(Debug, Clone)]
struct ScannedPath {
    segments: Vec<String>,
    inline_module: Vec<String>,
}

/// What a file says about other modules.
#[derive(Debug, Default)]
struct Scanned {
    /// Every path that may name a crate module, from `use` items, code and doc links.
    paths: Vec<ScannedPath>,
    /// The paths of `pub use` items (what a facade re-exports).
    reexports: Vec<ScannedPath>,
    /// Modules declared with `mod x;`.
    children: BTreeSet<String>,
    /// Modules declared with `#[cfg(test)] mod x;`.
    test_children: BTreeSet<String>,
    /// The paths before `::*` of glob imports outside `#[cfg(test)]` items (`use super::*;` is
    /// `[super]`), external crates included: [`CrateFiles::absolute`] tells them apart.
    globs: Vec<ScannedPath>,
    /// Modules given a `#[path = "…"]` attribute, test modules included.
    path_attributes: Vec<String>,
}

/// Reads the imports of one file.
fn scan(text: &str) -> Scanned {
    let (code, doc) = strip(text);
    let tokens = tokenize(&code);
    let mut scanned = Scanned {
        path_attributes: path_attributes(&tokens),
        ..Scanned::default()
    };
    for path in doc_links(&doc) {
        scanned.paths.push(ScannedPath {
            segments: path,
            inline_module: Vec::new(),
        });
    }
    let mut inline: Vec<(usize, String)> = Vec::new();
    let mut depth = 0;
    let mut index = 0;
    let mut after_pub = false;
    while index < tokens.len() {
        let token = tokens[index].as_str();
        let next = tokens.get(index + 1).map(String::as_str);
        match token {
            "#" if is_cfg_test(&tokens[index..]) => {
                index = skip_item(&tokens, index, &mut scanned);
                after_pub = false;
                continue;
            }
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if inline.last().is_some_and(|(open, _)| *open == depth) {
                    inline.pop();
                }
            }
            "pub" => {
                after_pub = true;
                index += 1;
                // `pub(crate)` and the like.
                if tokens.get(index).map(String::as_str) == Some("(") {
                    while index < tokens.len() && tokens[index] != ")" {
                        index += 1;
                    }
                    index += 1;
                }
                continue;
            }
            "mod" => {
                if let Some(name) = next {
                    match tokens.get(index + 2).map(String::as_str) {
                        Some(";") if inline.is_empty() => {
                            scanned.children.insert(name.to_owned());
                        }
                        Some("{") => inline.push((depth, name.to_owned())),
                        _ => {}
                    }
                }
            }
            "use" => {
                let end = (index..tokens.len())
                    .find(|&at| tokens[at] == ";")
                    .unwrap_or(tokens.len());
                let module: Vec<String> = inline.iter().map(|(_, name)| name.clone()).collect();
                for (segments, glob) in expand_use(&tokens[index + 1..end]) {
                    let path = ScannedPath {
                        segments,
                        inline_module: module.clone(),
                    };
                    if glob {
                        scanned.globs.push(path.clone());
                    }
                    if after_pub && inline.is_empty() {
                        scanned.reexports.push(path.clone());
                    }
                    scanned.paths.push(path);
                }
                index = end + 1;
                after_pub = false;
                continue;
            }
            _ if next == Some("::")
                && is_ident(token)
                && (index == 0 || tokens[index - 1] != "::") =>
            {
                let mut segments = vec![token.to_owned()];
                let mut at = index + 1;
                while tokens.get(at).map(String::as_str) == Some("::")
                    && tokens.get(at + 1).is_some_and(|t| is_ident(t))
                {
                    segments.push(tokens[at + 1].clone());
                    at += 2;
                }
                scanned.paths.push(ScannedPath {
                    segments,
                    inline_module: inline.iter().map(|(_, name)| name.clone()).collect(),
                });
                index = at;
                after_pub = false;
                continue;
            }
            _ => {}
        }
        after_pub = false;
        index += 1;
    }
    scanned
}

/// Whether `tokens` starts with `#[cfg(test)]`.
fn is_cfg_test(tokens: &[String]) -> bool {
    let expected = ["#", "[", "cfg", "(", "test", ")", "]"];
    tokens.len() >= expected.len() && expected.iter().zip(tokens).all(|(a, b)| a == b)
}

/// Skips the item after the `#[cfg(test)]` at `start` (its further attributes, then up to its
/// `;` or its matching `}`); notes `#[cfg(test)] mod x;`. Returns the index after it.
fn skip_item(tokens: &[String], start: usize, scanned: &mut Scanned) -> usize {
    let mut index = start;
    while tokens.get(index).map(String::as_str) == Some("#") {
        let mut brackets = 0;
        index += 1;
        while index < tokens.len() {
            match tokens[index].as_str() {
                "[" => brackets += 1,
                "]" => {
                    brackets -= 1;
                    if brackets == 0 {
                        index += 1;
                        break;
                    }
                }
                _ => {}
            }
            index += 1;
        }
    }
    let item_start = index;
    let mut depth = 0;
    while index < tokens.len() {
        match tokens[index].as_str() {
            ";" if depth == 0 => {
                let item = &tokens[item_start..index];
                if let [.., keyword, name] = item
                    && keyword == "mod"
                {
                    scanned.test_children.insert(name.clone());
                    scanned.children.insert(name.clone());
                }
                return index + 1;
            }
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if depth == 0 {
                    return index + 1;
                }
            }
            _ => {}
        }
        index += 1;
    }
    index
}

/// The modules given a `#[path = "…"]` attribute (or `#[cfg_attr(…, path = "…")]`), anywhere
/// in the file: `?` when no `mod` follows the attribute.
fn path_attributes(tokens: &[String]) -> Vec<String> {
    let mut modules = Vec::new();
    let mut index = 0;
    while index < tokens.len() {
        let Some(end) = attribute_end(tokens, index) else {
            index += 1;
            continue;
        };
        let attribute = &tokens[index + 2..end - 1];
        let is_path = match attribute {
            [name, equals, ..] if name == "path" && equals == "=" => true,
            [name, ..] if name == "cfg_attr" => attribute
                .windows(3)
                .any(|window| window[0] == "," && window[1] == "path" && window[2] == "="),
            _ => false,
        };
        if is_path {
            // The item after this attribute and any others: `pub(crate) mod name`.
            let mut at = end;
            while let Some(next) = attribute_end(tokens, at) {
                at = next;
            }
            if tokens.get(at).map(String::as_str) == Some("pub") {
                at += 1;
                if tokens.get(at).map(String::as_str) == Some("(") {
                    while at < tokens.len() && tokens[at] != ")" {
                        at += 1;
                    }
                    at += 1;
                }
            }
            let name = match (tokens.get(at), tokens.get(at + 1)) {
                (Some(keyword), Some(name)) if keyword == "mod" => name.clone(),
                _ => "?".to_owned(),
            };
            modules.push(name);
        }
        index = end;
    }
    modules
}

/// When an outer attribute `#[…]` starts at `start`, the index after its closing `]`.
fn attribute_end(tokens: &[String], start: usize) -> Option<usize> {
    if tokens.get(start)? != "#" || tokens.get(start + 1)? != "[" {
        return None;
    }
    let mut brackets = 0;
    for (at, token) in tokens.iter().enumerate().skip(start + 1) {
        match token.as_str() {
            "[" => brackets += 1,
            "]" => {
                brackets -= 1;
                if brackets == 0 {
                    return Some(at + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The paths of a `use` tree (the tokens between `use` and `;`), groups expanded, `self` in a
/// group meaning the group's prefix, renames dropped; each with whether it ended in `::*` (the
/// path is then the module globbed).
fn expand_use(tokens: &[String]) -> Vec<(Vec<String>, bool)> {
    fn tree(
        tokens: &[String],
        at: &mut usize,
        prefix: &[String],
        out: &mut Vec<(Vec<String>, bool)>,
    ) {
        let mut path = prefix.to_vec();
        let mut glob = false;
        while *at < tokens.len() {
            match tokens[*at].as_str() {
                "::" => *at += 1,
                "{" => {
                    *at += 1;
                    loop {
                        match tokens.get(*at).map(String::as_str) {
                            None => return,
                            Some("}") => {
                                *at += 1;
                                return;
                            }
                            Some(",") => *at += 1,
                            Some(_) => tree(tokens, at, &path, out),
                        }
                    }
                }
                "," | "}" => break,
                "as" => *at += 2,
                "self" if !path.is_empty() => {
                    *at += 1;
                }
                "*" => {
                    glob = true;
                    *at += 1;
                }
                segment => {
                    path.push(segment.to_owned());
                    *at += 1;
                }
            }
        }
        out.push((path, glob));
    }
    let mut out = Vec::new();
    let mut at = 0;
    while at < tokens.len() {
        tree(tokens, &mut at, &[], &mut out);
        at += 1;
    }
    out.retain(|(path, _)| !path.is_empty());
    out
}

fn is_ident(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// Splits code into identifiers, `::` and single punctuation characters.
fn tokenize(code: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = code.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_alphanumeric() || c == '_' {
            let mut end = start + c.len_utf8();
            while let Some(&(at, next)) = chars.peek() {
                if !(next.is_alphanumeric() || next == '_') {
                    break;
                }
                end = at + next.len_utf8();
                chars.next();
            }
            tokens.push(code[start..end].to_owned());
        } else if c == ':' && chars.peek().is_some_and(|&(_, next)| next == ':') {
            chars.next();
            tokens.push("::".to_owned());
        } else if !c.is_whitespace() {
            tokens.push(c.to_string());
        }
    }
    tokens
}

/// The code with comments, strings and character literals blanked out, and the text of its
/// documentation: `///` and `//!` lines, `/** … */` and `/*! … */` blocks, and the strings of
/// `#[doc = "…"]` attributes, one after another.
fn strip(text: &str) -> (String, String) {
    let bytes = text.as_bytes();
    let mut code = String::with_capacity(text.len());
    let mut doc = String::new();
    let mut index = 0;
    while index < bytes.len() {
        let rest = &text[index..];
        if rest.starts_with("//") {
            let end = rest.find('\n').map_or(text.len(), |at| index + at);
            let comment = &text[index..end];
            if comment.starts_with("///") || comment.starts_with("//!") {
                doc.push_str(&comment[3..]);
                doc.push('\n');
            }
            index = end;
        } else if rest.starts_with("/*") {
            // Block comments nest: `/* /* */ */` is one comment.
            let mut depth = 0;
            let mut at = 0;
            let length = loop {
                let tail = &rest[at..];
                if tail.starts_with("/*") {
                    depth += 1;
                    at += 2;
                } else if tail.starts_with("*/") {
                    depth -= 1;
                    at += 2;
                    if depth == 0 {
                        break at;
                    }
                } else if let Some(c) = tail.chars().next() {
                    at += c.len_utf8();
                } else {
                    break at;
                }
            };
            let comment = &rest[..length];
            let is_doc = comment.starts_with("/*!")
                || (comment.starts_with("/**")
                    && !comment.starts_with("/***")
                    && comment != "/**/");
            if is_doc {
                let inside = comment[3..].strip_suffix("*/").unwrap_or(&comment[3..]);
                doc.push_str(inside);
                doc.push('\n');
            }
            index += length;
            code.push(' ');
        } else if let Some(hashes) = raw_string_start(rest) {
            let open = rest.find('"').map_or(0, |at| at + 1);
            let close = format!("\"{}", "#".repeat(hashes));
            let end = rest[open..]
                .find(&close)
                .map_or(text.len(), |at| index + open + at + close.len());
            if is_doc_value(&code) && !rest.starts_with('b') {
                doc.push_str(&text[(index + open).min(end)..end.saturating_sub(close.len())]);
                doc.push('\n');
            }
            index = end;
            code.push_str("\"\"");
        } else if rest.starts_with('"') || rest.starts_with("b\"") {
            let open = index + if rest.starts_with('"') { 1 } else { 2 };
            let mut at = open;
            while at < bytes.len() && bytes[at] != b'"' {
                at += if bytes[at] == b'\\' { 2 } else { 1 };
            }
            if is_doc_value(&code) && rest.starts_with('"') {
                doc.push_str(&unescape(&text[open..at.min(text.len())]));
                doc.push('\n');
            }
            index = at + 1;
            code.push_str("\"\"");
        } else if let Some(after) = rest.strip_prefix('\'') {
            // A character literal ('x', '\n', '"') or a lifetime ('a).
            let literal = if let Some(escaped) = after.strip_prefix('\\') {
                escaped.find('\'').map(|at| at + 3)
            } else {
                let mut chars = after.chars();
                let first = chars.next().map_or(0, char::len_utf8);
                (chars.next() == Some('\'')).then_some(first + 2)
            };
            match literal {
                Some(length) => {
                    index += length;
                    code.push_str("' '");
                }
                None => {
                    code.push('\'');
                    index += 1;
                }
            }
        } else {
            let c = rest.chars().next().expect("not at the end");
            code.push(c);
            index += c.len_utf8();
        }
    }
    (code, doc)
}

/// Whether the code so far ends in `doc =`: the string that follows is documentation
/// (`#[doc = "…"]`, `#![doc = "…"]`, `#[cfg_attr(…, doc = "…")]`).
fn is_doc_value(code: &str) -> bool {
    let Some(before) = code.trim_end().strip_suffix('=') else {
        return false;
    };
    let Some(before) = before.trim_end().strip_suffix("doc") else {
        return false;
    };
    !before
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// The text a string literal's body stands for: `\n`, `\"`, `\\`, `\x5b`, `\u{5b}` decoded (a
/// link may be spelt with escapes), a line continuation `\` + newline dropped with the
/// whitespace after it.
fn unescape(body: &str) -> String {
    let mut text = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            text.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => text.push('\n'),
            Some('t') => text.push('\t'),
            Some('r') => text.push('\r'),
            Some('0') => text.push('\0'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    text.push(c);
                }
            }
            Some('u') => {
                let hex: String = chars
                    .by_ref()
                    .take_while(|&c| c != '}')
                    .filter(|&c| c != '{' && c != '_')
                    .collect();
                if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    text.push(c);
                }
            }
            Some('\n') => {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            Some(other) => text.push(other),
            None => {}
        }
    }
    text
}

/// How many `#` open a raw string at the start of `rest` (`r"`, `r#"`, `br#"`).
fn raw_string_start(rest: &str) -> Option<usize> {
    let after = rest.strip_prefix("br").or_else(|| rest.strip_prefix('r'))?;
    let hashes = after.len() - after.trim_start_matches('#').len();
    after[hashes..].starts_with('"').then_some(hashes)
}

/// The crate paths documentation links to: `` [`crate::a::B`] ``, `[crate::a::B]`, inline links
/// `[text](crate::a::B)`, reference links `[text][crate::a::B]` and definitions
/// `[text]: crate::a::B`; with a disambiguator (`struct@crate::a::B`), generics or `()`/`!`
/// after the path, and a destination on the next line.
fn doc_links(doc: &str) -> Vec<Vec<String>> {
    let mut targets = Vec::new();
    let mut rest = doc;
    while let Some(open) = rest.find('[') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find(']') else { break };
        if rest[..close].contains('[') {
            // `[a [`crate::b`]`: the inner bracket opens the link.
            continue;
        }
        targets.push(&rest[..close]);
        let after = &rest[close + 1..];
        let destination = after
            .strip_prefix(':')
            .or_else(|| after.strip_prefix('('))
            .map(|destination| {
                let destination = destination.trim_start();
                let length = destination
                    .find(|c: char| c.is_whitespace() || c == ')')
                    .unwrap_or(destination.len());
                &destination[..length]
            });
        targets.extend(destination);
        rest = after;
    }
    targets
        .into_iter()
        .filter_map(|target| {
            let target = target
                .trim()
                .trim_matches('`')
                .trim_matches(|c| c == '<' || c == '>');
            let target = target.split_once('@').map_or(target, |(_, path)| path);
            let length = target
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(target.len());
            let target = &target[..length];
            ["crate::", "super::", "self::"]
                .iter()
                .any(|start| target.starts_with(start))
                .then(|| target.split("::").map(str::to_owned).collect())
        })
        .collect()
}

#[cfg(test)]
mod checker {
    use super::*;

    /// The violations found in `files` (path, text).
    fn check(files: &[(&str, &str)], expect: &[&str]) {
        let files = files
            .iter()
            .map(|(path, text)| (path.to_string(), text.to_string()))
            .collect();
        assert_eq!(violations(&files), expect);
    }

    #[test]
    fn a_cycle_between_two_files_is_named_file_by_file() {
        check(
            &[
                ("src/lib.rs", "pub mod engine;"),
                ("src/engine/mod.rs", "pub mod run;\npub mod execute;"),
                (
                    "src/engine/run.rs",
                    "use super::execute::one;\npub fn all() {}",
                ),
                (
                    "src/engine/execute.rs",
                    "pub fn one() {\n    crate::engine::run::all();\n}",
                ),
            ],
            &["src/engine/execute.rs -> src/engine/run.rs -> src/engine/execute.rs"],
        );
    }

    #[test]
    fn imports_in_a_test_module_are_not_edges() {
        check(
            &[
                ("src/lib.rs", "pub mod engine;"),
                ("src/engine/mod.rs", "pub mod run;\npub mod execute;"),
                ("src/engine/run.rs", "use super::execute::one;"),
                (
                    "src/engine/execute.rs",
                    "pub fn one() {}\n#[cfg(test)]\nmod tests {\n    use crate::engine::run;\n}",
                ),
            ],
            &[],
        );
    }

    #[test]
    fn an_upward_import_names_both_files_and_the_layers() {
        check(
            &[
                ("src/lib.rs", "pub mod engine;\npub mod ops;"),
                ("src/ops/mod.rs", "mod check;\npub use check::check_schema;"),
                ("src/ops/check.rs", "pub fn check_schema() {}"),
                (
                    "src/engine/mod.rs",
                    "use crate::ops::{\n    check_schema,\n};",
                ),
            ],
            &[
                "src/engine/mod.rs imports crate::ops::check_schema (src/ops/check.rs): \
                 `engine` is below `ops` and must not import from it",
            ],
        );
    }

    #[test]
    fn a_child_importing_what_its_parent_reexports_resolves_to_the_defining_file() {
        check(
            &[
                ("src/lib.rs", "pub mod db;"),
                (
                    "src/db/mod.rs",
                    "mod error;\nmod lock;\npub use error::DbError;\npub use lock::Lock;",
                ),
                ("src/db/error.rs", "pub struct DbError;"),
                ("src/db/lock.rs", "use super::DbError;\npub struct Lock;"),
            ],
            &[],
        );
    }

    #[test]
    fn doc_links_count_and_prose_strings_and_comments_do_not() {
        check(
            &[
                ("src/lib.rs", "pub mod cli;\npub mod engine;"),
                ("src/cli.rs", "pub fn run() {}"),
                (
                    "src/engine.rs",
                    "//! Called by [`crate::cli::run`].\n// crate::cli::run\n\
                     /// `crate::cli` in prose\nconst A: &str = \"crate::cli::run\";",
                ),
            ],
            &["src/engine.rs imports crate::cli::run (src/cli.rs): \
               `engine` is below `cli` and must not import from it"],
        );
    }

    #[test]
    fn a_quote_in_a_character_literal_does_not_hide_the_code_after_it() {
        check(
            &[
                ("src/lib.rs", "pub mod cli;\npub mod engine;"),
                ("src/cli.rs", "pub fn run() {}"),
                (
                    "src/engine.rs",
                    "fn quote<'a>(x: &'a str) -> char { '\"' }\nfn f() { crate::cli::run() }",
                ),
            ],
            &["src/engine.rs imports crate::cli::run (src/cli.rs): \
               `engine` is below `cli` and must not import from it"],
        );
    }

    #[test]
    fn db_may_not_import_project_though_it_is_below() {
        check(
            &[
                (
                    "src/lib.rs",
                    "pub mod db;\npub mod project;\npub mod diagnostic;",
                ),
                (
                    "src/db.rs",
                    "use crate::project::Project;\nuse crate::diagnostic::Origin;",
                ),
                ("src/project.rs", "pub struct Project;"),
                ("src/diagnostic.rs", "pub struct Origin;"),
            ],
            &[
                "src/db.rs imports crate::project::Project (src/project.rs): \
               `db` imports only `db/` and [\"diagnostic\", \"object\", \"calendar\"]",
            ],
        );
    }

    /// `src/engine.rs` holding `text`, beside `src/cli.rs`: the violation a link into `cli` is.
    fn check_engine_reaches_cli(text: &str) {
        check(
            &[
                ("src/lib.rs", "pub mod cli;\npub mod engine;"),
                ("src/cli.rs", "pub fn run_from_env() {}\npub struct Args;"),
                ("src/engine.rs", text),
            ],
            &[
                "src/engine.rs imports crate::cli::run_from_env (src/cli.rs): \
               `engine` is below `cli` and must not import from it",
            ],
        );
    }

    #[test]
    fn inline_and_reference_style_doc_links_count() {
        check_engine_reaches_cli("/// See [run](crate::cli::run_from_env).\npub fn f() {}");
        check_engine_reaches_cli("//! See [run](\n//! <crate::cli::run_from_env> \"title\").");
        check_engine_reaches_cli("/// See [run][crate::cli::run_from_env].\npub fn f() {}");
        check_engine_reaches_cli("/// [`fn@crate::cli::run_from_env()`]\npub fn f() {}");
        check_engine_reaches_cli("/// [a [`crate::cli::run_from_env`]\npub fn f() {}");
    }

    #[test]
    fn block_doc_comments_and_doc_attributes_count() {
        check_engine_reaches_cli("/** See\n * [`crate::cli::run_from_env`]. */\npub fn f() {}");
        check_engine_reaches_cli("/*! See [`crate::cli::run_from_env`]. */\npub fn f() {}");
        check_engine_reaches_cli("#[doc = \"See [`crate::cli::run_from_env`].\"]\npub fn f() {}");
        check_engine_reaches_cli("#![doc = r#\"See [crate::cli::run_from_env]\"#]\npub fn f() {}");
        check_engine_reaches_cli(
            "#[doc = \"See \\u{5b}crate::cli::run_from_env]\"]\npub fn f() {}",
        );
        // Not documentation: a plain block comment, `/***`, a string that is no `doc`.
        check(
            &[
                ("src/lib.rs", "pub mod cli;\npub mod engine;"),
                ("src/cli.rs", "pub fn run_from_env() {}"),
                (
                    "src/engine.rs",
                    "/* [`crate::cli::run_from_env`] */\n/*** [`crate::cli::run_from_env`] */\n\
                     #[deprecated = \"[`crate::cli::run_from_env`]\"]\npub fn f() {}",
                ),
            ],
            &[],
        );
    }

    #[test]
    fn a_nested_block_comment_ends_where_rust_ends_it() {
        // The first `*/` closes only the inner comment: what follows the second is code, and
        // the `"` inside the comment opens no string.
        check_engine_reaches_cli(
            "/* /* */ \" */\npub fn f() { crate::cli::run_from_env() } // \"\n",
        );
    }

    #[test]
    fn a_path_attribute_on_a_module_is_reported_even_in_tests() {
        check(
            &[(
                "src/lib.rs",
                "#[path = \"elsewhere/engine.rs\"]\npub(crate) mod engine;\n\
                     #[cfg_attr(unix, path = \"cli_unix.rs\")]\nmod cli;\n\
                     #[cfg(test)]\n#[path = \"checks.rs\"]\nmod tests;",
            )],
            &[
                "src/lib.rs: #[path] on `mod engine`: a #[path] module hides where a file sits \
                 in the tree",
                "src/lib.rs: #[path] on `mod cli`: a #[path] module hides where a file sits \
                 in the tree",
                "src/lib.rs: #[path] on `mod tests`: a #[path] module hides where a file sits \
                 in the tree",
            ],
        );
    }

    #[test]
    fn a_glob_import_of_a_crate_module_is_reported_outside_tests() {
        let why = "imports a crate module whole: name what it uses \
                   (the checker cannot see what a glob uses, so it would hide a cycle)";
        check(
            &[
                ("src/lib.rs", "pub mod engine;\npub mod graph;"),
                (
                    "src/engine/mod.rs",
                    "pub mod run;\npub mod plan;\npub use plan::{self, *};",
                ),
                ("src/engine/plan.rs", "pub struct Plan;"),
                (
                    "src/engine/run.rs",
                    "use super::*;\nuse crate::engine::*;\nmod x { pub struct A; }\n\
                     fn f() { use self::x::*; }\nuse proptest::prelude::*;\n\
                     #[cfg(test)]\nmod tests {\n    use super::*;\n}",
                ),
                ("src/graph/mod.rs", "#[cfg(test)]\nmod tests;"),
                ("src/graph/tests.rs", "use super::*;\nuse crate::engine::*;"),
            ],
            &[
                &format!("src/engine/mod.rs: `use plan::*` {why}"),
                &format!("src/engine/run.rs: `use super::*` {why}"),
                &format!("src/engine/run.rs: `use crate::engine::*` {why}"),
                &format!("src/engine/run.rs: `use self::x::*` {why}"),
            ],
        );
    }
}
