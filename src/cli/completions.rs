//! `plan completions SHELL`: the shell's completion script for `plan`, on stdout. clap_complete
//! writes it from the command line's own definition, so it always names every subcommand and
//! option; where to install it is the README's ("Shell completions and man pages").

use std::io::Write;

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, Failure};

/// Arguments of `plan completions`.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

/// Runs `plan completions`.
pub(crate) fn run(args: CompletionsArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let mut command = Cli::command();
    // Into memory first: clap_complete panics when its writer fails, and a closed pipe
    // (`plan completions bash | head`) is not worth a panic, nor an error.
    let mut script = Vec::new();
    // Completions are for the name people type, whatever the binary running is called (a
    // team's own `plan` built with handlers, examples/custom_plan).
    clap_complete::generate(args.shell, &mut command, super::BIN_NAME, &mut script);
    let _ = out.write_all(&script);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// `plan completions <shell>` writes a script that mentions every subcommand.
    fn check(shell: &str) {
        let cli = Cli::try_parse_from(["plan", "completions", shell]).expect("parses");
        let super::super::Command::Completions(args) = cli.command else {
            panic!("parsed as completions");
        };
        let mut out = Vec::new();
        run(args, &mut out).expect("writes");
        let script = String::from_utf8(out).expect("UTF-8");
        for subcommand in Cli::command().get_subcommands() {
            assert!(
                script.contains(subcommand.get_name()),
                "{shell} script names {}",
                subcommand.get_name()
            );
        }
    }

    #[test]
    fn every_shell_gets_a_script_naming_every_subcommand() {
        for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
            check(shell);
        }
    }
}
