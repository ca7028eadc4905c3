//! `FakeMachine`: an `Machine` built from a list of variables, so tests resolve
//! `ConnectionSettings` exactly as the CLI would without reading or changing the process env.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pgplan::Machine;

/// Variables from a map; no home directory, no default socket directory, OS user `tester`.
pub(crate) struct FakeMachine {
    variables: BTreeMap<String, String>,
}

impl FakeMachine {
    /// An environment holding exactly these variables.
    pub(crate) fn with(pairs: &[(&str, &str)]) -> FakeMachine {
        FakeMachine {
            variables: pairs
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        }
    }
}

impl Machine for FakeMachine {
    fn var(&self, name: &str) -> Option<String> {
        self.variables.get(name).cloned()
    }

    fn os_user(&self) -> Option<String> {
        Some("tester".to_string())
    }

    fn home_dir(&self) -> Option<PathBuf> {
        None
    }

    fn default_socket_dir(&self) -> Option<PathBuf> {
        None
    }
}
