//! What `plan status` needs of a project, and nothing more: the ledger's place, the declared
//! environments, and each migration in plan order with its checksum, kind, environments and
//! dependencies. Small enough to keep in the project cache (`load::cache`), so that `plan
//! status` over an unchanged folder need not read it; a ledger row that needs a migration's
//! SQL (a partial migration, a rollback stopped part-way) makes the caller load the project
//! after all.

use crate::codec::{Decoder, Encoder};
use crate::load::Loaded;
use crate::project::{MigrationId, TrackingTable, migration};

/// The kind of project cache entry a digest is kept as.
pub(crate) const CACHE_KIND: &str = "status";

/// What `plan status` needs of a project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ProjectDigest {
    /// The ledger table.
    pub tracking: TrackingTable,
    /// The environments the project declares.
    pub environments: Vec<String>,
    /// The migrations, in plan order.
    pub migrations: Vec<MigrationDigest>,
}

/// One migration, as `plan status` sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MigrationDigest {
    /// Its ID.
    pub id: MigrationId,
    /// Whether it runs again whenever it changes.
    pub repeatable: bool,
    /// The checksum the ledger records for it.
    pub checksum: String,
    /// The environments it is limited to; `None`: all.
    pub environments: Option<Vec<String>>,
    /// Its direct dependencies, as positions in [`ProjectDigest::migrations`] (always earlier
    /// ones), in the graph's order.
    pub dependencies: Vec<usize>,
}

impl MigrationDigest {
    /// Whether it runs in an environment (`None`: no environment was named), as
    /// `Migration::runs_in` answers.
    pub(crate) fn runs_in(&self, environment: Option<&str>) -> bool {
        migration::runs_in(self.environments.as_deref(), environment)
    }
}

impl ProjectDigest {
    /// The digest of a loaded project.
    pub(crate) fn of(loaded: &Loaded) -> Self {
        let (project, graph) = (loaded.project(), loaded.graph());
        let order = graph.order();
        let position: indexmap::IndexMap<&MigrationId, usize> =
            order.iter().enumerate().map(|(at, id)| (id, at)).collect();
        let migrations = order
            .iter()
            .filter_map(|id| {
                let migration = project.migration(id)?;
                Some(MigrationDigest {
                    id: id.clone(),
                    repeatable: migration.is_repeatable(),
                    checksum: migration.checksum().to_string(),
                    environments: migration.environments().map(<[String]>::to_vec),
                    dependencies: graph
                        .dependencies_of(id)
                        .into_iter()
                        .filter_map(|(dependency, _)| position.get(dependency).copied())
                        .collect(),
                })
            })
            .collect();
        ProjectDigest {
            tracking: project.manifest().tracking_table().clone(),
            environments: project.environments().to_vec(),
            migrations,
        }
    }

    /// The digest as bytes, for the project cache.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut encoder = Encoder::new();
        encoder.str(&self.tracking.schema);
        encoder.str(&self.tracking.table);
        encoder.list(self.environments.iter(), |encoder, name| encoder.str(name));
        encoder.list(self.migrations.iter(), |encoder, migration| {
            encoder.str(migration.id.as_str());
            encoder.bool(migration.repeatable);
            encoder.str(&migration.checksum);
            encoder.option(migration.environments.as_ref(), |encoder, names| {
                encoder.list(names.iter(), |encoder, name| encoder.str(name));
            });
            encoder.list(migration.dependencies.iter(), |encoder, at| {
                encoder.usize(*at);
            });
        });
        encoder.into_bytes()
    }

    /// The digest [`ProjectDigest::encode`] wrote; `None` for anything else, including a
    /// dependency that does not come before its migration.
    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let mut decoder = Decoder::new(bytes);
        let tracking = TrackingTable {
            schema: decoder.string()?,
            table: decoder.string()?,
        };
        let environments = decoder.list(Decoder::string)?;
        let mut at = 0;
        let migrations = decoder.list(|decoder| {
            let migration = MigrationDigest {
                id: MigrationId::new(decoder.string()?),
                repeatable: decoder.bool()?,
                checksum: decoder.string()?,
                environments: decoder.option(|decoder| decoder.list(Decoder::string))?,
                dependencies: decoder.list(Decoder::usize)?,
            };
            let earlier = migration
                .dependencies
                .iter()
                .all(|dependency| *dependency < at);
            at += 1;
            earlier.then_some(migration)
        })?;
        decoder.is_done().then_some(ProjectDigest {
            tracking,
            environments,
            migrations,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_reads_back_as_written() {
        let dir = crate::testing::project_dir(&[
            ("migrations/001_a.sql", "CREATE TABLE a (id int);\n"),
            (
                "migrations/002_b.sql",
                "-- depends: 001_a\n-- environment: production\nCREATE TABLE b (id int);\n",
            ),
            (
                "migrations/R__view.sql",
                "CREATE OR REPLACE VIEW v AS SELECT 1;\n",
            ),
            (
                "plan.yaml",
                "environments:\n  production: {}\n  staging: {}\ntracking_table: ops.ledger\n",
            ),
        ]);
        let loaded = crate::load::load_project(dir.path()).expect("the project loads");
        let digest = ProjectDigest::of(&loaded);
        assert_eq!(
            digest.tracking,
            TrackingTable {
                schema: "ops".to_string(),
                table: "ledger".to_string()
            }
        );
        assert_eq!(digest.environments, ["production", "staging"]);
        let b = &digest.migrations[1];
        assert_eq!(b.id.as_str(), "002_b");
        assert_eq!(b.dependencies, [0]);
        assert_eq!(
            b.environments.as_deref(),
            Some(&["production".to_string()][..])
        );
        assert!(digest.migrations[2].repeatable);
        let bytes = digest.encode();
        assert_eq!(ProjectDigest::decode(&bytes), Some(digest));
        assert_eq!(ProjectDigest::decode(&bytes[..bytes.len() - 1]), None);
    }
}
