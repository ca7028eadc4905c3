//! `plan completions SHELL`: the shell's completion script for `plan`, on stdout. clap_complete
//! writes it from the command line's own definition, so it always names every subcommand and
//! option; where to install it is the README's ("Shell completions and man pages").

use std::io::Write;

use clap::Args;
use clap_complete::Shell;

use super::Failure;

/// Arguments of `plan completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Runs `plan completions` for `command`, the whole `plan` command line.
pub(crate) fn run(
    args: CompletionsArgs,
    mut command: clap::Command,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    // Completions are for the name people type, `plan`, whatever the running binary is called
    // (a team's own `plan` built with handlers, examples/custom_plan).
    let name = command.get_name().to_string();
    // Into memory first: clap_complete panics when its writer fails, and a closed pipe
    // (`plan completions bash | head`) is not worth a panic, nor an error.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, name, &mut script);
    let _ = out.write_all(&script);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A two-subcommand `plan`.
    fn small_plan() -> clap::Command {
        clap::Command::new("plan")
            .subcommand(clap::Command::new("apply").arg(clap::Arg::new("dry-run").long("dry-run")))
            .subcommand(clap::Command::new("check-schema"))
    }

    /// The `shell` script for [`small_plan`] names each of `expect`.
    fn check(shell: Shell, expect: &[&str]) {
        let mut out = Vec::new();
        run(CompletionsArgs { shell }, small_plan(), &mut out).expect("writes");
        let script = String::from_utf8(out).expect("UTF-8");
        for word in expect {
            assert!(
                script.contains(word),
                "{shell} script names {word}:\n{script}"
            );
        }
    }

    #[test]
    fn every_shell_gets_a_script_naming_subcommands_and_options() {
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::Elvish,
            Shell::PowerShell,
        ] {
            check(shell, &["plan", "apply", "check-schema", "dry-run"]);
        }
    }
}
