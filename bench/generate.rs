//! Generates a large project for benchmarks: N migrations with random dependencies.
#![allow(clippy::print_stderr)]
//!
//! ```text
//! cargo run --release --example generate -- OUT_DIR N [--max-deps K] [--seed S] [--sequence] [--rich] [--rollback]
//! ```
//!
//! The dependencies form a random DAG whose topological order is a random permutation of the
//! file numbers, so lower-numbered migrations often depend on higher-numbered ones and the
//! planner's real ordering work is exercised. `--sequence` writes no dependency headers at all
//! (a numbered folder, as seeds 000, 002, 003 and 004 keep). Each migration creates one small
//! table, so the same project also serves the apply benchmark. `--rich` makes each migration
//! use what its dependencies create, as real ones do (for the parser's benchmark, bench/parse.sh):
//! its table has a column `REFERENCES` each dependency's table, an index, and a view joining
//! the first dependency's table. `--rollback` also writes each migration's rollback file,
//! `NNN_mN_rollback.sql`, dropping what it made (for the rollback benchmark, bench/apply.sh).

use std::path::PathBuf;
use std::process::ExitCode;

/// xorshift64*: deterministic, dependency-free, good enough to shuffle benchmark input.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }
}

struct Options {
    out: PathBuf,
    count: usize,
    max_dependencies: usize,
    seed: u64,
    sequence: bool,
    rich: bool,
    rollback: bool,
}

fn parse_options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let usage =
        "usage: generate OUT_DIR N [--max-deps K] [--seed S] [--sequence] [--rich] [--rollback]";
    let out = PathBuf::from(args.next().ok_or(usage)?);
    let count = args
        .next()
        .ok_or(usage)?
        .parse()
        .map_err(|_| "N must be a number")?;
    let mut options = Options {
        out,
        count,
        max_dependencies: 3,
        seed: 42,
        sequence: false,
        rich: false,
        rollback: false,
    };
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--max-deps" => {
                options.max_dependencies = args
                    .next()
                    .and_then(|value| value.parse().ok())
                    .ok_or("--max-deps takes a number")?;
            }
            "--seed" => {
                options.seed = args
                    .next()
                    .and_then(|value| value.parse().ok())
                    .ok_or("--seed takes a number")?;
            }
            "--sequence" => options.sequence = true,
            "--rich" => options.rich = true,
            "--rollback" => options.rollback = true,
            other => return Err(format!("unknown option {other}; {usage}")),
        }
    }
    Ok(options)
}

fn generate(options: &Options) -> std::io::Result<()> {
    let migrations = options.out.join("migrations");
    std::fs::create_dir_all(&migrations)?;
    let width = options.count.to_string().len().max(3);
    let mut random = Random(options.seed.max(1));
    // A random topological order: migration order[i] may depend only on order[..i].
    let mut order: Vec<usize> = (1..=options.count).collect();
    for index in (1..order.len()).rev() {
        let other = random.below(index + 1);
        order.swap(index, other);
    }
    for (rank, &number) in order.iter().enumerate() {
        let mut dependencies: Vec<usize> = Vec::new();
        let mut header = format!("-- Migration: {number:0width$}\n-- Description: generated\n");
        if !options.sequence {
            if rank > 0 {
                for _ in 0..random.below(options.max_dependencies + 1) {
                    // Mostly recent migrations, as real projects grow.
                    let reach = rank.min(50);
                    let dependency = order[rank - 1 - random.below(reach)];
                    if !dependencies.contains(&dependency) {
                        dependencies.push(dependency);
                    }
                }
            }
            let written: Vec<String> = dependencies
                .iter()
                .map(|dependency| format!("{dependency:0width$}_m{dependency}"))
                .collect();
            if written.is_empty() {
                header.push_str("-- depends: none\n");
            } else {
                header.push_str(&format!("-- depends: {}\n", written.join(", ")));
            }
        }
        let body = if options.rich {
            rich_body(number, &dependencies)
        } else {
            format!("CREATE TABLE bench_{number} (id integer PRIMARY KEY, note text);\n")
        };
        std::fs::write(
            migrations.join(format!("{number:0width$}_m{number}.sql")),
            format!("{header}\n{body}"),
        )?;
        if options.rollback {
            // Dropping the table drops what the rich body hung on it, save the view.
            let view = if options.rich {
                format!("DROP VIEW bench_{number}_v;\n")
            } else {
                String::new()
            };
            std::fs::write(
                migrations.join(format!("{number:0width$}_m{number}_rollback.sql")),
                format!("{view}DROP TABLE bench_{number};\n"),
            )?;
        }
    }
    Ok(())
}

/// A migration that uses what its dependencies create: a foreign key to each one's table, an
/// index, and a view joining the first one's table (about 400 bytes of SQL, five statements).
fn rich_body(number: usize, dependencies: &[usize]) -> String {
    let mut columns = String::from("id integer PRIMARY KEY, note text NOT NULL DEFAULT ''");
    for dependency in dependencies {
        columns.push_str(&format!(
            ", bench_{dependency}_id integer REFERENCES bench_{dependency} (id) ON DELETE CASCADE"
        ));
    }
    let mut body = format!(
        "SET search_path = public;\n\
         CREATE TABLE bench_{number} ({columns});\n\
         CREATE INDEX bench_{number}_note ON bench_{number} (note) WHERE note <> '';\n\
         COMMENT ON TABLE bench_{number} IS 'generated';\n"
    );
    match dependencies.first() {
        Some(first) => body.push_str(&format!(
            "CREATE VIEW bench_{number}_v AS SELECT b.id, d.note FROM bench_{number} b \
             JOIN bench_{first} d ON d.id = b.bench_{first}_id;\n"
        )),
        None => body.push_str(&format!(
            "CREATE VIEW bench_{number}_v AS SELECT id, note FROM bench_{number};\n"
        )),
    }
    body
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
    };
    match generate(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("cannot write {}: {error}", options.out.display());
            ExitCode::FAILURE
        }
    }
}
