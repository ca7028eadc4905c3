//! [`Problem`]: everything that can be wrong with a project's files and plan.yaml, each with its
//! stable code (`plan::project::...`), the file and span it points at, and what to do next.
//! docs/errors.md has an entry per code.

use std::path::PathBuf;

use miette::{Diagnostic, SourceSpan};

use crate::diagnostic::SourceFile;

/// One problem in a project's input.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub(crate) enum Problem {
    /// The project folder or the migrations folder cannot be read.
    #[error("cannot read {path}: {reason}")]
    #[diagnostic(
        code(plan::project::unreadable),
        help("check that the path exists and is readable; --dir picks the project folder")
    )]
    Unreadable {
        /// What could not be read.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },

    /// A file is not UTF-8.
    #[error("{name} is not valid UTF-8")]
    #[diagnostic(
        code(plan::project::not_utf8),
        help(
            "save the file as UTF-8 (a UTF-8 byte order mark is fine); the line is shown with its bytes escaped"
        )
    )]
    NotUtf8 {
        /// The file's display name.
        name: String,
        /// The file up to the line of the first invalid byte, with bytes that are not UTF-8
        /// and control characters escaped (`\xE9`).
        #[source_code]
        file: SourceFile,
        /// The first invalid byte.
        #[label("first invalid byte here")]
        span: SourceSpan,
    },

    /// A `.sql` entry of the migrations folder that cannot be read: a folder, a symbolic link
    /// that leads nowhere, a file without read permission.
    #[error("cannot read {name}: {reason}")]
    #[diagnostic(code(plan::project::unreadable_file), help("{help}"))]
    UnreadableFile {
        /// The entry's display name.
        name: String,
        /// Why.
        reason: String,
        /// What to do.
        help: String,
    },

    /// A `.sql` entry that is a symbolic link to a file outside the project folder.
    #[error("{name} is a symbolic link to {target}, outside the project folder")]
    #[diagnostic(
        code(plan::project::link_outside_project),
        help(
            "plan reads migrations only from inside the project folder: copy the file into the migrations folder, or remove the link"
        )
    )]
    LinkOutsideProject {
        /// The link's display name.
        name: String,
        /// Where it leads, resolved.
        target: PathBuf,
    },

    /// A file whose extension is `.sql` in another case (`.SQL`, `.Sql`).
    #[error("{name} ends in {extension}, not .sql")]
    #[diagnostic(
        code(plan::project::sql_extension_case),
        help(
            "rename it to {renamed}: plan reads only names ending in lower-case .sql, so that no file is read or skipped depending on how its name is written"
        )
    )]
    SqlExtensionCase {
        /// The file's display name.
        name: String,
        /// Its extension as written.
        extension: String,
        /// Its name with `.sql`.
        renamed: String,
    },

    /// A text file holding a control character (an escape sequence, a NUL byte): not SQL text.
    #[error("{name} holds the control character {character}, so it is not a SQL text file")]
    #[diagnostic(
        code(plan::project::control_character),
        help(
            "remove it; a string that needs one can spell it with an escape, e.g. E'\\x1b'. The line is shown escaped"
        )
    )]
    ControlCharacter {
        /// The file's display name.
        name: String,
        /// The character, as `U+001B`.
        character: String,
        /// The line holding it, escaped.
        #[source_code]
        file: SourceFile,
        /// The character.
        #[label("this character")]
        span: SourceSpan,
    },

    /// A migration with no SQL, not even a comment, and no steps (a file of only comments is
    /// a no-op, accepted).
    #[error("migration {id} is empty")]
    #[diagnostic(
        code(plan::project::empty_migration),
        help(
            "add its SQL, declare steps for it in plan.yaml, or delete the file; a migration meant to do nothing (one kept to fill a gap in the numbering) is accepted as a no-op when it holds a comment saying so"
        )
    )]
    EmptyMigration {
        /// The migration.
        id: String,
        /// Its file.
        #[source_code]
        file: SourceFile,
        /// Its forward section.
        #[label("no SQL here")]
        span: SourceSpan,
    },

    /// `-- DOWN` comes before `-- UP`.
    #[error("-- DOWN comes before -- UP in {name}")]
    #[diagnostic(
        code(plan::project::down_before_up),
        help("put the forward SQL under -- UP first, then the rollback under -- DOWN")
    )]
    DownBeforeUp {
        /// The file's display name.
        name: String,
        /// The file.
        #[source_code]
        file: SourceFile,
        /// The DOWN marker.
        #[label("-- DOWN here")]
        down: SourceSpan,
        /// The UP marker.
        #[label("-- UP only here")]
        up: SourceSpan,
    },

    /// An up or down marker appears twice.
    #[error("the {marker} marker appears twice in {name}")]
    #[diagnostic(
        code(plan::project::repeated_marker),
        help(
            "a file has one up section and at most one down section; split it into two migrations"
        )
    )]
    RepeatedMarker {
        /// `up` or `down`.
        marker: &'static str,
        /// The file's display name.
        name: String,
        /// The file.
        #[source_code]
        file: SourceFile,
        /// The first one.
        #[label("first here")]
        first: SourceSpan,
        /// The second one.
        #[label("again here")]
        again: SourceSpan,
    },

    /// A `-- DOWN` line in a file that has no `-- UP` marker.
    #[error(
        "{marker} in {name} would make the rest of the file its rollback, but the file has no -- UP marker"
    )]
    #[diagnostic(
        code(plan::project::down_without_up),
        help(
            "if the lines below it are the rollback, put a line `-- UP` above the forward SQL; if it is a comment, reword it (`-- Down: ...`) so that it is not a marker"
        )
    )]
    DownWithoutUp {
        /// The line as written.
        marker: String,
        /// The file's display name.
        name: String,
        /// The file.
        #[source_code]
        file: SourceFile,
        /// The line.
        #[label("rollback marker here")]
        span: SourceSpan,
    },

    /// A line of another migration tool's layout that `plan` does not act on, or an option
    /// after a marker that it does not know.
    #[error("{name} has a line plan does not act on ({tool})")]
    #[diagnostic(code(plan::project::foreign_marker), help("{help}"))]
    ForeignMarker {
        /// The tool, or what the line is.
        tool: &'static str,
        /// The file's display name.
        name: String,
        /// What to do.
        help: &'static str,
        /// The file.
        #[source_code]
        file: SourceFile,
        /// The line.
        #[label("not acted on")]
        span: SourceSpan,
    },

    /// A file following another tool's layout than the folder's.
    #[error(
        "{name} follows {tool}'s layout in a folder that follows {layout}'s (decided by {decided_by})"
    )]
    #[diagnostic(
        code(plan::project::mixed_layouts),
        help(
            "each tool reads the other's files its own way or not at all, so no order is safe: move the file to its own project, rewrite it in {layout}'s layout, or set `layout:` in plan.yaml to the one you mean"
        )
    )]
    MixedLayouts {
        /// The folder's layout.
        layout: &'static str,
        /// What decided it: the first file showing it, or plan.yaml.
        decided_by: String,
        /// The tool this file shows.
        tool: &'static str,
        /// The file's display name.
        name: String,
        /// The file.
        #[source_code]
        file: SourceFile,
        /// What shows the other tool.
        #[label("{tool}'s")]
        span: SourceSpan,
    },

    /// Two Flyway migrations with one version (`V1__a.sql`, `V1.0__b.sql`).
    #[error("{second} has version {version}, as {first} has")]
    #[diagnostic(
        code(plan::project::duplicate_version),
        help(
            "Flyway refuses two migrations with one version (1 and 1.0 are one), and so does plan in a Flyway folder: give one of them the next free version"
        )
    )]
    DuplicateVersion {
        /// The version, as the second file writes it.
        version: String,
        /// The first file.
        first: String,
        /// The second file.
        second: String,
    },

    /// A file or folder in a Prisma or Diesel migrations folder that the tool would not run.
    #[error("{name} is not a migration {tool} would run")]
    #[diagnostic(code(plan::project::stray_file), help("{help}"))]
    StrayFile {
        /// The file's or folder's display name.
        name: String,
        /// The tool.
        tool: &'static str,
        /// What to do.
        help: String,
    },

    /// A `.sql` file in a Flyway folder that Flyway would not run.
    #[error("{name} is not a Flyway migration name, in a Flyway folder")]
    #[diagnostic(
        code(plan::project::not_a_flyway_name),
        help(
            "Flyway runs only V<version>__<description>.sql, U<version>__<description>.sql and R__<description>.sql, so where this file belongs among the versions is a guess: rename it ({example}), or move it out of the folder"
        )
    )]
    NotAFlywayName {
        /// The file's display name.
        name: String,
        /// A Flyway name it might take.
        example: String,
    },

    /// What Sqitch's plan says that plan cannot read or follow.
    #[error("{message}")]
    #[diagnostic(code(plan::project::sqitch_plan), help("{help}"))]
    SqitchPlan {
        /// What is wrong.
        message: String,
        /// What to do.
        help: String,
        /// The plan file.
        #[source_code]
        file: SourceFile,
        /// Where.
        #[label("here")]
        span: SourceSpan,
    },

    /// Two tools' section markers in one file.
    #[error("{name} mixes the markers of {first_tool} and {second_tool}")]
    #[diagnostic(
        code(plan::project::mixed_markers),
        help(
            "mark the sections the way one tool does (the file's first marker is {first_tool}'s): a file read one way by one tool and another way by the other has no single meaning"
        )
    )]
    MixedMarkers {
        /// The tool whose marker comes first.
        first_tool: &'static str,
        /// The other tool.
        second_tool: &'static str,
        /// The file's display name.
        name: String,
        /// The file.
        #[source_code]
        file: SourceFile,
        /// The first tool's line.
        #[label("{first_tool}")]
        first: SourceSpan,
        /// The other tool's line.
        #[label("{second_tool}")]
        second: SourceSpan,
    },

    /// SQL above the `-- UP` marker.
    #[error("SQL above the -- UP marker in {name} would never run")]
    #[diagnostic(
        code(plan::project::sql_before_up),
        help("move it below -- UP, or make it a comment")
    )]
    SqlBeforeUp {
        /// The file's display name.
        name: String,
        /// The file.
        #[source_code]
        file: SourceFile,
        /// The first line of SQL.
        #[label("this line")]
        span: SourceSpan,
    },

    /// A `requires` item that names nothing `plan` can check.
    #[error("malformed requirement `{written}`")]
    #[diagnostic(code(plan::project::malformed_requirement), help("{help}"))]
    MalformedRequirement {
        /// The item as written.
        written: String,
        /// What to write instead.
        help: String,
        /// The file declaring it.
        #[source_code]
        file: SourceFile,
        /// The item.
        #[label("here")]
        span: SourceSpan,
    },

    /// A `-- plan:` directive other than `no-transaction`.
    #[error("unknown directive `plan: {written}`")]
    #[diagnostic(
        code(plan::project::unknown_directive),
        help("the only directive is `-- plan: no-transaction`")
    )]
    UnknownDirective {
        /// The directive as written.
        written: String,
        /// The file.
        #[source_code]
        file: SourceFile,
        /// The directive.
        #[label("here")]
        span: SourceSpan,
    },

    /// An environment that plan.yaml does not declare, or a name that is not a word.
    #[error("unknown environment `{name}`")]
    #[diagnostic(code(plan::project::unknown_environment), help("{help}"))]
    UnknownEnvironment {
        /// The name as written.
        name: String,
        /// Suggestion and the known names.
        help: String,
        /// Where it is written.
        #[source_code]
        file: SourceFile,
        /// The name.
        #[label("not declared under environments: in plan.yaml")]
        span: SourceSpan,
    },

    /// A rollback file whose migration does not exist.
    #[error("rollback file {name} has no migration")]
    #[diagnostic(code(plan::project::orphan_rollback), help("{help}"))]
    OrphanRollback {
        /// The file's display name.
        name: String,
        /// What it was expected to belong to, and a suggestion.
        help: String,
        /// The file.
        #[source_code]
        file: SourceFile,
        /// Its first line.
        #[label("rolls back {expected}, which is not in the migrations folder")]
        span: SourceSpan,
        /// The migration it names.
        expected: String,
    },

    /// A migration with both a rollback file and a `-- DOWN` section, or two rollback files.
    #[error("migration {id} has two rollbacks: {first} and {second}")]
    #[diagnostic(code(plan::project::two_rollbacks), help("keep one of them"))]
    TwoRollbacks {
        /// The migration.
        id: String,
        /// The first rollback.
        first: String,
        /// The second rollback.
        second: String,
        /// The second rollback's file.
        #[source_code]
        file: SourceFile,
        /// Its first line.
        #[label("second rollback")]
        span: SourceSpan,
    },

    /// Two files give the same migration ID (`x.sql` and `x.up.sql`).
    #[error("duplicate migration ID {id}: {first} and {second}")]
    #[diagnostic(
        code(plan::project::duplicate_id),
        help(
            "rename or remove one of the files; a migration's ID is its file name without .sql or .up.sql"
        )
    )]
    DuplicateId {
        /// The ID.
        id: String,
        /// The first file.
        first: String,
        /// The second file.
        second: String,
        /// The second file.
        #[source_code]
        file: SourceFile,
        /// Its first line.
        #[label("same ID as {first}")]
        span: SourceSpan,
    },

    /// A dependency on a migration that does not exist.
    #[error("migration {id} depends on {written}, which is not in {folder}")]
    #[diagnostic(code(plan::project::unknown_dependency), help("{help}"))]
    UnknownDependency {
        /// The migration declaring it.
        id: String,
        /// The reference as written.
        written: String,
        /// The migrations folder.
        folder: String,
        /// Suggestion.
        help: String,
        /// Where it is declared.
        #[source_code]
        file: SourceFile,
        /// The reference.
        #[label("unknown migration")]
        span: SourceSpan,
    },

    /// A version reference that matches several migrations.
    #[error("{written} matches more than one migration: {candidates}")]
    #[diagnostic(
        code(plan::project::ambiguous_reference),
        help("write the full ID instead, e.g. {example}")
    )]
    AmbiguousReference {
        /// The reference as written.
        written: String,
        /// The IDs it matches.
        candidates: String,
        /// One of them.
        example: String,
        /// Where it is written.
        #[source_code]
        file: SourceFile,
        /// The reference.
        #[label("ambiguous")]
        span: SourceSpan,
    },

    /// A migration that depends on itself.
    #[error("migration {id} depends on itself")]
    #[diagnostic(code(plan::project::self_dependency), help("remove this dependency"))]
    SelfDependency {
        /// The migration.
        id: String,
        /// Where it is declared.
        #[source_code]
        file: SourceFile,
        /// The reference.
        #[label("refers to {id} itself")]
        span: SourceSpan,
    },

    /// A versioned migration that depends on a repeatable one, which always runs after every
    /// versioned migration.
    #[error(
        "versioned migration {id} depends on {target}, a repeatable migration, which runs after every versioned one"
    )]
    #[diagnostic(
        code(plan::project::depends_on_repeatable),
        help(
            "a repeatable migration runs after the versioned ones, so this order cannot be honoured: move what {id} needs from {target} into a versioned migration, or make {id} repeatable too"
        )
    )]
    DependsOnRepeatable {
        /// The versioned migration.
        id: String,
        /// The repeatable migration it names.
        target: String,
        /// Where it is declared.
        #[source_code]
        file: SourceFile,
        /// The reference.
        #[label("{target} is repeatable")]
        span: SourceSpan,
    },

    /// A plan.yaml entry whose migration has no file.
    #[error("plan.yaml has an entry for {written}, but no migration file matches it")]
    #[diagnostic(code(plan::project::entry_without_file), help("{help}"))]
    EntryWithoutFile {
        /// The entry's key.
        written: String,
        /// Suggestion.
        help: String,
        /// plan.yaml.
        #[source_code]
        file: SourceFile,
        /// The key.
        #[label("no file for this entry")]
        span: SourceSpan,
    },

    /// Two plan.yaml entries for one migration (`003` and `003_users`).
    #[error("plan.yaml has two entries for migration {id}")]
    #[diagnostic(
        code(plan::project::duplicate_entry),
        help("merge them into one entry")
    )]
    DuplicateEntry {
        /// The migration.
        id: String,
        /// plan.yaml.
        #[source_code]
        file: SourceFile,
        /// The first entry.
        #[label("first entry")]
        first: SourceSpan,
        /// The second entry.
        #[label("second entry")]
        second: SourceSpan,
    },

    /// A migration's header and its plan.yaml entry say different things about one setting
    /// (`-- plan: no-transaction` and `transaction: true`; two environment lists).
    #[error(
        "{id}: plan.yaml:{line} says `{yaml_says}`, but {header_file}:{header_line} says `{header_says}`"
    )]
    #[diagnostic(code(plan::project::header_contradiction), help("{help}"))]
    HeaderContradiction {
        /// The migration.
        id: String,
        /// The plan.yaml line, 1-based.
        line: usize,
        /// The plan.yaml setting, as `key: value`.
        yaml_says: String,
        /// The migration file's display name.
        header_file: String,
        /// The header line, 1-based.
        header_line: usize,
        /// The header line as written.
        header_says: String,
        /// Which one to change.
        help: String,
        /// plan.yaml.
        #[source_code]
        file: SourceFile,
        /// The plan.yaml key.
        #[label("contradicts the header of {header_file}")]
        span: SourceSpan,
    },

    /// A `sql:` step naming a file that cannot be read.
    #[error("step file {path} cannot be read: {reason}")]
    #[diagnostic(
        code(plan::project::missing_step_file),
        help("step files are found relative to the migrations folder")
    )]
    MissingStepFile {
        /// The path as written.
        path: String,
        /// Why.
        reason: String,
        /// plan.yaml.
        #[source_code]
        file: SourceFile,
        /// The step.
        #[label("this step")]
        span: SourceSpan,
    },

    /// plan.yaml is not valid YAML, or repeats a key.
    #[error("plan.yaml is not valid: {message}")]
    #[diagnostic(
        code(plan::project::yaml_syntax),
        help("fix the YAML at the marked place")
    )]
    YamlSyntax {
        /// The parser's message.
        message: String,
        /// plan.yaml.
        #[source_code]
        file: SourceFile,
        /// Where the parser stopped.
        #[label("here")]
        span: SourceSpan,
    },

    /// plan.yaml repeats a key in one mapping: the repetition is the primary place, as that is
    /// usually the line just written.
    #[error("plan.yaml is not valid: {message}")]
    #[diagnostic(
        code(plan::project::yaml_syntax),
        help("remove one of the two, or merge them: a key may appear once in a mapping")
    )]
    DuplicateKey {
        /// The parser's message (`migrations.001_a: duplicate entry with key "transaction"`).
        message: String,
        /// plan.yaml.
        #[source_code]
        file: SourceFile,
        /// The repetition.
        #[label(primary, "defined again here")]
        again: SourceSpan,
        /// The first occurrence.
        #[label("first defined here")]
        first: SourceSpan,
    },

    /// A key plan.yaml does not have.
    #[error("unknown key `{key}` in plan.yaml")]
    #[diagnostic(code(plan::project::unknown_key), help("{help}"))]
    UnknownKey {
        /// The key.
        key: String,
        /// Suggestion and the keys allowed here.
        help: String,
        /// plan.yaml.
        #[source_code]
        file: SourceFile,
        /// The key.
        #[label("unknown key")]
        span: SourceSpan,
    },

    /// A value of the wrong type, or not among the allowed values.
    #[error("wrong value in plan.yaml: {message}")]
    #[diagnostic(code(plan::project::wrong_type), help("{help}"))]
    WrongType {
        /// serde's description.
        message: String,
        /// What to write instead.
        help: String,
        /// plan.yaml.
        #[source_code]
        file: SourceFile,
        /// The value.
        #[label("here")]
        span: SourceSpan,
    },

    /// A step whose first key is not a step kind.
    #[error("unknown step kind `{kind}`")]
    #[diagnostic(code(plan::project::unknown_step_kind), help("{help}"))]
    UnknownStepKind {
        /// The key.
        kind: String,
        /// Suggestion and the kinds.
        help: String,
        /// plan.yaml.
        #[source_code]
        file: SourceFile,
        /// The key.
        #[label("not a step kind")]
        span: SourceSpan,
    },

    /// A value that has the right type but means nothing.
    #[error("{message}")]
    #[diagnostic(code(plan::project::invalid_value), help("{help}"))]
    InvalidValue {
        /// What is wrong.
        message: String,
        /// What to write instead.
        help: String,
        /// plan.yaml.
        #[source_code]
        file: SourceFile,
        /// The value.
        #[label("here")]
        span: SourceSpan,
    },
}

/// Every problem in a project's files is invalid input.
impl crate::diagnostic::Classified for Problem {
    fn class(&self) -> crate::diagnostic::ErrorClass {
        crate::diagnostic::ErrorClass::InvalidInput
    }
}

/// "did you mean `x`?" when there is a close name, else the list of names.
pub(crate) fn suggestion(wanted: &str, names: &[&str], what: &str) -> String {
    match crate::diagnostic::closest(wanted, names.iter().copied()) {
        Some(close) => format!("did you mean `{close}`?"),
        None if names.is_empty() => format!("there are no {what}"),
        None if names.len() <= 12 => format!("{what}: {}", names.join(", ")),
        None => format!(
            "{what} include: {}, ... ({} in all)",
            names[..12].join(", "),
            names.len()
        ),
    }
}

/// Boxes a problem for [`InvalidInput`].
///
/// [`InvalidInput`]: crate::diagnostic::InvalidInput
pub(crate) fn boxed(problem: Problem) -> Box<dyn Diagnostic + Send + Sync + 'static> {
    Box::new(problem)
}
