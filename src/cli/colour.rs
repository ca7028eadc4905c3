//! Whether `plan` colours what it prints: `--color auto|always|never` with the conventions of
//! NO_COLOR (no-color.org) and CLICOLOR_FORCE (bixense.com/clicolors). Apart from the rest of
//! the command line so that both the global options and the failure report read it.

use clap::ValueEnum;

/// `--color`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// Colour on a terminal; NO_COLOR turns it off, CLICOLOR_FORCE on.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Whether to colour, as `--color` says, reading `NO_COLOR` and `CLICOLOR_FORCE` through
/// `variable` for `auto` (no-color.org: NO_COLOR set and not empty disables; bixense.com/clicolors:
/// CLICOLOR_FORCE set and not `0` forces colour off a terminal). NO_COLOR wins over
/// CLICOLOR_FORCE: a user who asked for no colour anywhere is not overruled by a tool's setting.
pub(crate) fn colour_for(
    choice: ColorChoice,
    variable: impl Fn(&str) -> Option<std::ffi::OsString>,
    terminal: bool,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let set = |name: &str| variable(name).filter(|value| !value.is_empty());
            if set("NO_COLOR").is_some() {
                false
            } else if set("CLICOLOR_FORCE").is_some_and(|value| value != "0") {
                true
            } else {
                terminal
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `colour_for(choice)` with the variables `vars` set and a terminal or not is `expect`.
    fn check(choice: ColorChoice, vars: &[(&str, &str)], terminal: bool, expect: bool) {
        let lookup = |name: &str| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| std::ffi::OsString::from(value))
        };
        assert_eq!(
            colour_for(choice, lookup, terminal),
            expect,
            "{choice:?} {vars:?} terminal={terminal}"
        );
    }

    #[test]
    fn auto_colours_a_terminal_unless_no_color() {
        check(ColorChoice::Auto, &[], true, true);
        check(ColorChoice::Auto, &[], false, false);
        check(ColorChoice::Auto, &[("NO_COLOR", "1")], true, false);
        // An empty NO_COLOR is not set (no-color.org).
        check(ColorChoice::Auto, &[("NO_COLOR", "")], true, true);
    }

    #[test]
    fn clicolor_force_colours_off_a_terminal_but_not_over_no_color() {
        check(ColorChoice::Auto, &[("CLICOLOR_FORCE", "1")], false, true);
        check(ColorChoice::Auto, &[("CLICOLOR_FORCE", "0")], false, false);
        check(
            ColorChoice::Auto,
            &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
            false,
            false,
        );
    }

    #[test]
    fn always_and_never_ignore_the_environment() {
        check(ColorChoice::Always, &[("NO_COLOR", "1")], false, true);
        check(ColorChoice::Never, &[("CLICOLOR_FORCE", "1")], true, false);
    }
}
