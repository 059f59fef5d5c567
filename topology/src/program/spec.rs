//! What `topology!` tells the generated program about its topology.

use crate::program::{error::ProgramError, listing::PipelineListing, settings::Settings};

/// What `topology!` knows about its topology.
pub struct ProgramSpec {
    /// The program's name, for `--help`.
    pub name: &'static str,
    /// What the program does, opening `--help` (`description:` in
    /// `topology!`, else the package's description; may be empty).
    pub description: &'static str,
    /// The kind of the pipelines, for logs and metrics.
    pub typetag: &'static str,
    /// The declared pipelines and families, for `--help`.
    pub declared: &'static [&'static str],
    /// The settings given in `topology!`, over the built-in defaults.
    pub defaults: fn() -> Settings,
    /// Every pipeline the settings would start, for `--list`.
    pub list: fn(&Settings) -> Result<Vec<PipelineListing>, ProgramError>,
}
