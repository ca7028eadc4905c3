//! Handlers: special-handler steps written in Rust (`- handler: NAME` in plan.yaml). A team
//! implements [`Handler`], registers it in [`Handlers`] under the name plan.yaml uses, and
//! builds its own `plan` binary around `pgplan::cli::run_with_handlers` (examples/custom_plan/main.rs
//! is a working one). A handler runs inside its migration's transaction, like `sql` and
//! `assert` steps: if it fails, or anything after it does, all of it rolls back. Which
//! transaction is the phases' (`phases`).

use std::fmt;

use indexmap::IndexMap;

use crate::db::{SqlError, Transaction};
use crate::engine::failure::FailureKind;

/// Code run as a migration step.
pub trait Handler: Send + Sync {
    /// Does the step's work through `context`, inside the migration's transaction. An error
    /// fails the migration and rolls back its transaction.
    fn run(&self, context: &mut HandlerContext<'_, '_>) -> Result<(), HandlerError>;
}

/// Any `Fn(&mut HandlerContext) -> Result<(), HandlerError>` is a handler.
impl<F> Handler for F
where
    F: Fn(&mut HandlerContext<'_, '_>) -> Result<(), HandlerError> + Send + Sync,
{
    fn run(&self, context: &mut HandlerContext<'_, '_>) -> Result<(), HandlerError> {
        self(context)
    }
}

/// Handlers by name. The stock `plan` binary has none; a team's own binary registers its own.
///
/// ```no_run
/// use pgplan::{HandlerContext, HandlerError, Handlers};
///
/// fn permission_inheritance(context: &mut HandlerContext<'_, '_>) -> Result<(), HandlerError> {
///     let granted = context.execute("INSERT INTO permissions SELECT * FROM inherited")?;
///     context.progress(format!("granted {granted} permissions"));
///     Ok(())
/// }
///
/// // The `main` of a team's own `plan` binary: the whole of `plan`, plus its handlers.
/// fn main() -> std::process::ExitCode {
///     let mut handlers = Handlers::new();
///     handlers.register("permission_inheritance", permission_inheritance);
///     pgplan::cli::run_with_handlers(handlers)
/// }
/// ```
#[derive(Default)]
pub struct Handlers {
    handlers: IndexMap<String, Box<dyn Handler>>,
}

impl Handlers {
    /// An empty registry.
    pub fn new() -> Self {
        Handlers::default()
    }

    /// Registers `handler` under `name` (the value of `- handler:` in plan.yaml), replacing
    /// any handler of that name.
    pub fn register(&mut self, name: &str, handler: impl Handler + 'static) -> &mut Self {
        self.handlers.insert(name.to_string(), Box::new(handler));
        self
    }

    /// The handler registered under `name`.
    pub fn get(&self, name: &str) -> Option<&dyn Handler> {
        self.handlers.get(name).map(Box::as_ref)
    }

    /// The registered names, in registration order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.handlers.keys().map(String::as_str)
    }
}

impl fmt::Debug for Handlers {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_list()
            .entries(self.handlers.keys())
            .finish()
    }
}

/// What a handler can do: run SQL in the migration's transaction, and say how it is going.
pub struct HandlerContext<'w, 't> {
    work: &'w mut Transaction<'t>,
    migration_id: &'w str,
    environment: Option<&'w str>,
    messages: Vec<String>,
}

impl<'w, 't> HandlerContext<'w, 't> {
    pub(crate) fn new(
        work: &'w mut Transaction<'t>,
        migration_id: &'w str,
        environment: Option<&'w str>,
    ) -> Self {
        HandlerContext {
            work,
            migration_id,
            environment,
            messages: Vec::new(),
        }
    }

    /// The migration the step belongs to.
    pub fn migration_id(&self) -> &str {
        self.migration_id
    }

    /// The environment named with `--env`, if any.
    pub fn environment(&self) -> Option<&str> {
        self.environment
    }

    /// Runs one statement and returns the number of rows it affected.
    pub fn execute(&mut self, sql: &str) -> Result<u64, HandlerError> {
        Ok(self.work.run_counting(sql)?)
    }

    /// Runs one statement with text parameters (`$1`, `$2`, …; `None` is NULL).
    pub fn execute_with(
        &mut self,
        sql: &str,
        parameters: &[Option<&str>],
    ) -> Result<u64, HandlerError> {
        Ok(self.work.execute(sql, parameters)?)
    }

    /// Runs several statements separated by semicolons.
    pub fn run_script(&mut self, sql: &str) -> Result<(), HandlerError> {
        Ok(self.work.run(sql)?)
    }

    /// Runs a query whose columns are all text (cast with `::text`), returning its rows.
    pub fn query(
        &mut self,
        sql: &str,
        parameters: &[Option<&str>],
    ) -> Result<Vec<Vec<Option<String>>>, HandlerError> {
        Ok(self.work.query_texts(sql, parameters)?)
    }

    /// Runs a query returning one boolean; NULL is false.
    pub fn query_bool(&mut self, sql: &str) -> Result<bool, HandlerError> {
        Ok(self.work.query_bool(sql)? == Some(true))
    }

    /// Reports progress; `plan apply` shows it.
    pub fn progress(&mut self, message: impl Into<String>) {
        self.messages.push(message.into());
    }

    /// The progress messages reported so far.
    pub(crate) fn take_messages(&mut self) -> Vec<String> {
        std::mem::take(&mut self.messages)
    }
}

/// Why a handler failed.
#[derive(Debug, Clone)]
pub struct HandlerError {
    message: String,
    sql: Option<SqlError>,
}

impl HandlerError {
    /// A failure described for people (`"3 roles are not valid"`).
    pub fn new(message: impl Into<String>) -> Self {
        HandlerError {
            message: message.into(),
            sql: None,
        }
    }

    /// The SQL error behind it, when a statement failed.
    pub fn sql(&self) -> Option<&SqlError> {
        self.sql.as_ref()
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<SqlError> for HandlerError {
    fn from(error: SqlError) -> Self {
        HandlerError {
            message: error.to_string(),
            sql: Some(error),
        }
    }
}

impl fmt::Display for HandlerError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for HandlerError {}

/// Runs the `handler` step naming `name` inside `work`, for the migration `(id, environment)`,
/// passing what the handler reported to `report` once it returns.
pub(crate) fn run(
    work: &mut Transaction<'_>,
    handlers: &Handlers,
    name: &str,
    (migration_id, environment): (&str, Option<&str>),
    report: &mut dyn FnMut(&str),
) -> Result<(), FailureKind> {
    let Some(handler) = handlers.get(name) else {
        return Err(FailureKind::Unrunnable(format!(
            "no handler named `{name}` is registered in this binary"
        )));
    };
    let mut context = HandlerContext::new(work, migration_id, environment);
    let result = handler.run(&mut context);
    for text in context.take_messages() {
        report(&text);
    }
    result.map_err(|error| match error.sql() {
        Some(sql) => FailureKind::Sql(sql.clone()),
        None => FailureKind::Unrunnable(format!("handler {name} failed: {}", error.message())),
    })
}
